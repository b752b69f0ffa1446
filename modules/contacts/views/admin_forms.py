"""Forms of the contacts admin pages: custom fields, tags, relationship
types and the trash. Checks that need the database live in the views."""

from __future__ import annotations

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.forms import choices as select_choices
from modules.contacts.models import KINDS, CustomField

FIELD_TYPES = {
    "text": "Text",
    "long_text": "Long text",
    "number": "Number",
    "date": "Date",
    "yes_no": "Yes/no",
    "choice": "Single choice",
    "multi_choice": "Multiple choice",
}
CHOICE_TYPES = ("choice", "multi_choice")
assert tuple(FIELD_TYPES) == CustomField.TYPES

KIND_NAMES = {"person": "People", "household": "Households", "organisation": "Organisations"}
assert tuple(KIND_NAMES) == KINDS

# The tag palette: each colour is shown as a swatch *and* its name; the CSS
# classes `tag-chip tag-<key>` give text on a tinted background with at least
# 4.5:1 contrast. Other pages showing tags use the same classes.
TAG_COLOURS = {
    "blue": "Blue",
    "green": "Green",
    "teal": "Teal",
    "purple": "Purple",
    "pink": "Pink",
    "orange": "Orange",
    "brown": "Brown",
    "grey": "Grey",
}

MAX_CHOICES = 200


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def slugify(text: str, max_length: int = 60) -> str:
    """A field key from a label: "Year group (2024)" -> "year_group_2024"."""
    decomposed = unicodedata.normalize("NFKD", text).lower()
    kept = "".join(c if c.isascii() else "" if unicodedata.combining(c) else "_" for c in decomposed)
    slug = re.sub(r"[^a-z0-9]+", "_", kept).strip("_")
    if slug and not slug[0].isalpha():
        slug = "f_" + slug
    return slug[:max_length].rstrip("_")


def parse_choices(text: str | None) -> list[str]:
    """One choice per line, blank lines dropped, order kept."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CustomFieldForm(FlaskForm):
    label = StringField("Label", validators=[DataRequired("Enter a label."), Length(max=100)], filters=[_strip],
                        description="What forms and the contact page show, e.g. “Year group”.")
    key = StringField("Key", validators=[
        Optional(), Length(max=60),
        Regexp(r"^[a-z][a-z0-9_]*$", message="Use lower-case letters, digits and underscores, starting with a letter."),
    ], filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        description="Exports head the column with the label; imports accept the label or this key. "
                    "Left blank, it is made from the label. It cannot change later.",
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    type = SelectField("Type", choices=select_choices(FIELD_TYPES))
    kinds = SelectMultipleField("Applies to", choices=select_choices(KIND_NAMES), validate_choice=True)
    choices = TextAreaField("Choices", filters=[_strip],
                            description="One per line. Needed for single and multiple choice fields.")
    active = BooleanField("Active", default=True,
                          description="Inactive fields are hidden from forms and contact pages; "
                                      "their values are kept.")
    # Set when the admin has seen the warning about choices in use.
    confirm_choices = HiddenField()

    def validate_kinds(self, field):
        if not field.data:
            raise ValidationError("Choose at least one kind of contact.")

    def validate_choices(self, field):
        if self.type.data not in CHOICE_TYPES:
            return
        items = parse_choices(field.data)
        if not items:
            raise ValidationError("List at least one choice, one per line.")
        if len(items) > MAX_CHOICES:
            raise ValidationError(f"Keep it to {MAX_CHOICES} choices or fewer.")
        seen = set()
        for item in items:
            if len(item) > 100:
                raise ValidationError(f"“{item[:40]}…” is too long: keep each choice under 100 characters.")
            if item.casefold() in seen:
                raise ValidationError(f"“{item}” is listed twice.")
            seen.add(item.casefold())


class TagForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name for the tag."), Length(max=60)],
                       filters=[_strip])
    colour = RadioField("Colour", choices=select_choices(TAG_COLOURS), default="blue",
                        validators=[DataRequired("Choose a colour.")])


class TagMergeForm(FlaskForm):
    target = SelectField("Merge into", coerce=int, validators=[DataRequired("Choose the tag to keep.")],
                         description="Contacts with this tag get that one instead; this tag is then deleted.")


class RelationshipTypeForm(FlaskForm):
    a_to_b = StringField("Name from the first contact’s side", validators=[
        DataRequired("Enter how the first contact relates to the second."), Length(max=60)], filters=[_strip],
        description="Read as “A is … B”, e.g. “mentor of”.")
    symmetric = BooleanField("The same both ways", description="Like “sibling of”: both sides use the first name.")
    b_to_a = StringField("Name from the second contact’s side", validators=[Length(max=60)], filters=[_strip],
                         description="Read as “B is … A”, e.g. “mentee of”.")

    def validate_b_to_a(self, field):
        if not self.symmetric.data and not field.data:
            raise ValidationError("Enter how the second contact relates to the first, or tick "
                                  "“The same both ways”.")


class PurgeOldForm(FlaskForm):
    days = IntegerField("In the trash for more than (days)", default=30, validators=[
        InputRequired("Enter a number of days."),
        NumberRange(min=1, max=36500, message="Enter a number of days from 1 to 36500.")])
