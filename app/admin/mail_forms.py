"""Forms of Admin → Mail server."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import Email, Length, NumberRange, Optional, Regexp

from app.forms import choices, email_field
from app.mail.server import SECURITY


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MailServerForm(FlaskForm):
    mail_server = StringField("SMTP server", validators=[
        Optional(), Length(max=253),
        Regexp(r"^[A-Za-z0-9.\-:\[\]]+$", message="Enter a host name, like smtp.example.org.")],
        filters=[_strip], description="Leave empty to turn delivery off: messages then wait in the outbox.")
    mail_port = IntegerField("Port", validators=[Optional(), NumberRange(1, 65535, "A port is 1 to 65535.")],
                             description="587 for STARTTLS, 465 for TLS, 25 on a local network.")
    mail_security = SelectField("Security", choices=choices(SECURITY))
    mail_username = StringField("User name", validators=[Optional(), Length(max=254)], filters=[_strip],
                                render_kw={"autocomplete": "off"},
                                description="Leave empty if the server asks for none.")
    mail_password = PasswordField("Password", validators=[Optional(), Length(max=500)],
                                  render_kw={"autocomplete": "new-password"},
                                  description="Leave empty to keep the stored one. It is never shown again.")
    forget_password = BooleanField("Forget the stored password")
    mail_sender = StringField("Send as", validators=[
        Optional(), Email("Enter an email address, like office@example.org.", check_deliverability=False),
        Length(max=254)], filters=[_strip], description="The From address of every email Steward sends.")
    # Actions and secrets are not compared by the edit check (app/edits).
    edit_ignore = ("mail_password", "forget_password")


class MailTestForm(FlaskForm):
    to = email_field("Send the test to")
