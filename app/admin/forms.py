"""Forms of the admin pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.admin.audit_words import record_type_choices
from app.forms import DateField, choices, email_field
from app.regional_form import RegionalForm, first


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InviteForm(FlaskForm):
    email = email_field()
    name = StringField("Name", validators=[Optional(), Length(max=120)], filters=[_strip],
                       description="Optional: they can change it when they accept.")
    role = SelectField("Role", coerce=int, validators=[DataRequired("Choose a role.")])


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)], filters=[_strip])
    role = SelectField("Role", coerce=int, validators=[DataRequired("Choose a role.")])
    active = BooleanField("Active: may sign in",
                          description="Turning this off signs them out everywhere at once.")


class RoleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name for the role."), Length(max=80)],
                       filters=[_strip])
    description = TextAreaField("Description", validators=[Length(max=2000)], filters=[_strip],
                                description="What people with this role do; shown to admins only.")
    permissions = SelectMultipleField("Permissions", validate_choice=True)


class SettingsForm(RegionalForm):
    """The organisation: its name and its regional settings (app/regional_form.py)."""

    org_name = first(StringField("Organisation name", validators=[
        DataRequired("Enter your organisation's name."), Length(max=120)], filters=[_strip]))
    postal_address = first(TextAreaField(
        "Postal address", validators=[Length(max=500)], render_kw={"rows": 4},
        description="One line per line of the address; printed in the letterhead of receipts and letters."))
    logo = FileField("Logo", description="A PNG or JPEG, at most 1 MB; printed at the top of receipts and letters.",
                     render_kw={"accept": "image/png,image/jpeg"})
    remove_logo = BooleanField("Remove the logo")
    edit_ignore = ("remove_logo",)  # an action, not a stored value


class FilterForm(FlaskForm):
    """A GET filter form: read from the query string, no CSRF token in URLs."""

    class Meta:
        csrf = False

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)


class AuditFilterForm(FilterForm):
    action = SelectField("Action", validators=[Optional()])
    actor = StringField("Who (email starts with)", validators=[Optional(), Length(max=254)], filters=[_strip])
    object_type = SelectField("Record type", validators=[Optional()], validate_choice=False)
    object_id = StringField("Record id", validators=[Optional(), Length(max=64)], filters=[_strip])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def __init__(self, formdata, actions, **kwargs):
        super().__init__(formdata, **kwargs)
        self.action.choices = choices([("", "Any action")] + [(a, a.replace("_", " ")) for a in actions])
        kinds = record_type_choices()
        if self.object_type.data and self.object_type.data not in dict(kinds):
            kinds.append((self.object_type.data, self.object_type.data))  # a link from before: keep it
        self.object_type.choices = choices([("", "Any record")] + kinds)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Choose a day on or after the start day.")


class OutboxFilterForm(FilterForm):
    status = SelectField("Status", choices=choices({"": "Any status", "queued": "Queued", "sent": "Sent",
                                                    "failed": "Failed"}), validators=[Optional()])
    recipient = StringField("Recipient (starts with)", validators=[Optional(), Length(max=254)],
                            filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])


class JobFilterForm(FilterForm):
    status = SelectField("Status", choices=choices({"": "Any status", "queued": "Queued", "started": "Running",
                                                    "finished": "Finished", "failed": "Failed",
                                                    "interrupted": "Interrupted"}),
                         validators=[Optional()])
