"""Forms of the receipts pages: a batch run's scope, a receipt template,
and the receipt settings (address, registration number, signature, paper)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.forms import DateField, choices
from app.templating import editor
from modules.pipeline.models import ReceiptTemplate
from modules.pipeline.receipts.options import PAPERS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ScopeForm(FlaskForm):
    """What a batch run covers. Read from the query string to count (no CSRF
    token in URLs); RunForm posts the same fields to start the run."""

    class Meta:
        csrf = False

    kind = RadioField("Letters", choices=choices(ReceiptTemplate.KINDS), default="thank_you")
    year = IntegerField("Year", validators=[Optional(), NumberRange(1900, 2999, "Enter a year like 2025.")],
                        description="Statements cover 1 January to 31 December of this year.")
    date_from = DateField("Gifts received from", validators=[Optional()])
    date_to = DateField("Up to and including", validators=[Optional()])
    fund = SelectField("Fund", coerce=int, default=0)
    template = SelectField("Template", coerce=int, default=0)
    only_new = BooleanField("Only what has not been acknowledged yet", default=True)
    use_email = BooleanField("Email the letters of donors who can be emailed", default=True,
                             description="Everyone else's letters (no email address, or do not email) go "
                                         "into one PDF to print.")

    def validate_year(self, field):
        if self.kind.data == "statement" and not field.data:
            raise ValidationError("Enter the year of the statements.")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class RunForm(ScopeForm):
    class Meta:
        csrf = True


class TemplateForm(FlaskForm):
    edit_ignore = ("preview_gift",)  # a preview's choice, not part of the template (app/edits)

    name = StringField("Name", validators=[DataRequired("Give the template a name."), Length(max=120)],
                       filters=[_strip], description="For you: the list of templates and the batch page show it.")
    kind = SelectField("Kind of letter", choices=choices(ReceiptTemplate.KINDS))
    subject = StringField("Email subject", validators=[DataRequired("Write the subject of the email."),
                                                        Length(max=200)], filters=[_strip],
                          description="Merge fields work here too, e.g. {{ org.name }}.")
    format = editor.format_field("Written in")
    body = TextAreaField("Letter", validators=[DataRequired("Write the letter.")],
                         render_kw={"rows": 22, "spellcheck": "true"},
                         description="Merge fields go in {{ double braces }}; the letterhead, date and "
                                     "the recipient's address are added around the letter.")
    is_default = BooleanField("Use this template for this kind of letter unless another is chosen")
    preview_gift = IntegerField("Preview with gift number", validators=[Optional(), NumberRange(min=1)],
                                description="Leave empty to preview with made-up sample values.")


class ReceiptSettingsForm(FlaskForm):
    """Named as the settings they save (the core's postal_address, the
    pipeline's receipts_*), so that "who changed it" reads the audit log's
    field names (app/edits)."""

    postal_address = TextAreaField(
        "Organisation's postal address", validators=[Length(max=500)], render_kw={"rows": 4},
        description="One line per line of the address; printed in the letterhead.")
    receipts_registration = StringField(
        "Registration number", validators=[Length(max=120)], filters=[_strip],
        description="Charity or tax registration, e.g. “Registered charity no. 1234567” or “EIN 12-3456789”; "
                    "printed at the foot of every page.")
    receipts_signature = StringField(
        "Signed by", validators=[Length(max=120)], filters=[_strip],
        description="Name and role under the letters, e.g. “Jo Smith, Director”.")
    receipts_paper = SelectField("Paper size", choices=choices(PAPERS))
