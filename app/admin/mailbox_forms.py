"""The form of Admin → Mailboxes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.forms import choices
from app.models import Mailbox


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MailboxForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the mailbox a name, like “Bounces”."), Length(max=120)],
                       filters=[_strip])
    kind = SelectField("What it receives")
    active = BooleanField("Read it", default=True,
                          description="Untick to stop reading it for a while; nothing is deleted.")
    host = StringField("IMAP server", validators=[
        Optional(), Length(max=253),
        Regexp(r"^[A-Za-z0-9.\-:\[\]]+$", message="Enter a host name, like imap.example.org.")],
        filters=[_strip], description="Leave empty if your mail server pipes the mail to "
                                      "flask mail receive instead (docs/admin.md, “Mailboxes”).")
    port = IntegerField("Port", default=993, validators=[Optional(), NumberRange(1, 65535, "A port is 1 to 65535.")],
                        description="993 for TLS, 143 for STARTTLS.")
    security = SelectField("Security", choices=choices(Mailbox.SECURITY), default="ssl")
    username = StringField("User name", validators=[Optional(), Length(max=254)], filters=[_strip],
                           render_kw={"autocomplete": "off"})
    password = PasswordField("Password", validators=[Optional(), Length(max=255)],
                             render_kw={"autocomplete": "new-password"},
                             description="Leave empty to keep the stored one. It is never shown again.")
    folder = StringField("Folder", default="INBOX", validators=[DataRequired("Name the folder to read."),
                                                                 Length(max=255)], filters=[_strip])
    after = SelectField("After reading a message", choices=choices(Mailbox.AFTER), default="seen")
    move_to = StringField("Move it to the folder", validators=[Optional(), Length(max=255)], filters=[_strip],
                          description="Only when moving it; the folder must exist.")
    # A secret is never compared by the edit check (app/edits).
    edit_ignore = ("password",)

    def __init__(self, *args, kinds: dict[str, str], has_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(kinds)
        self.has_password = has_password

    def validate(self, extra_validators=None) -> bool:
        """The server's fields are needed only with a server; moving needs a folder to move to.
        (Checked here: an empty field's Optional() stops its own validators.)"""
        ok = super().validate(extra_validators)
        needed = []
        if self.host.data:
            needed = [(self.username, "Enter the user name to sign in to the IMAP server with."),
                      (self.port, "Enter the IMAP port: 993 for TLS, 143 for STARTTLS.")]
            if not self.has_password:
                needed.append((self.password, "Enter the password to sign in with."))
        if self.after.data == "move":
            needed.append((self.move_to, "Name the folder to move read messages to."))
        for field, message in needed:
            if not field.data and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        if self.after.data == "move" and self.move_to.data and self.move_to.data == self.folder.data:
            self.move_to.errors = [*self.move_to.errors,
                                   "Moving a message to the folder it is read from would read it again."]
            ok = False
        return ok
