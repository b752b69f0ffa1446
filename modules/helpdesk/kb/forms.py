"""Knowledge-base forms: an article (an edit form: app/edits guards it),
a category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.forms import choices
from modules.helpdesk.kb.models import VISIBILITIES

SLUG = Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Lower-case letters, digits and hyphens only.")


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ArticleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the article a title."), Length(max=200)])
    slug = StringField("Address", validators=[Optional(), Length(max=120), SLUG],
                       description="The end of the article's web address. Leave empty to make one from the title.")
    summary = StringField("Summary", validators=[Optional(), Length(max=300)],
                          description="One sentence: shown under the title in lists and to search engines.")
    body = TextAreaField("Text", validators=[Length(max=200_000)],
                         description="Markdown: **bold**, *italic*, # headings, - lists, [links](https://…).")
    category_id = SelectField("Category", coerce=_int_or_none)
    visibility = SelectField("Who can read it", choices=choices(VISIBILITIES))
    related = SelectMultipleField("Related articles", coerce=int,
                                  description="Shown at the end of the article, and of theirs.")


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = StringField("Description", validators=[Optional(), Length(max=500)])
    position = IntegerField("Position", default=0, validators=[Optional(), NumberRange(-9999, 9999)],
                            description="Categories are listed by this number, then by name.")
