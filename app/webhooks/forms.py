"""The forms of Admin → Webhooks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import email_field
from app.webhooks import guard


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField("URL", validators=[DataRequired("Enter the URL to send events to."), Length(max=2000)],
                      filters=[_strip], render_kw={"autocomplete": "off", "inputmode": "url"},
                      description="Where Steward POSTs each event, like https://example.org/steward-hook.")
    description = StringField("What it is for", validators=[Optional(), Length(max=200)], filters=[_strip],
                              description="For you: “Accounting sync”, “Volunteer spreadsheet”.")
    events = Checkboxes("Events to send", validate_choice=True)
    notify_email = email_field("Email when it is disabled")
    active = BooleanField("Send events to it", default=True,
                          description="Untick to pause it. Deliveries already waiting are sent, oldest first, when "
                                      "you tick it again; events in between are not sent to it.")

    def __init__(self, *args, event_types: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = list(event_types.items())
        self.notify_email.description = "Steward writes here if it stops sending because the receiver keeps failing."

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.events.data and not self.events.errors:
            self.events.errors = [*self.events.errors, "Choose at least one event."]
            ok = False
        if self.url.data and not self.url.errors:
            problem = guard.literal_refusal(self.url.data)
            if problem:
                self.url.errors = [*self.url.errors, problem]
                ok = False
        return ok


class AllowedHostsForm(FlaskForm):
    webhooks_allowed_hosts = TextAreaField(
        "Hosts on your own network that webhooks may reach", validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 4, "spellcheck": "false"},
        description="One host name or address per line, exactly as in the endpoint's URL "
                    "(crm-sync.internal, 10.0.0.12, ::1). Leave empty to send only to public addresses.")
