"""The campaign sending settings form (Admin → Campaign sending). Fields are
named as the settings are, so the edit guard names who changed which."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from modules.marketing.sending.dkim import key_problem

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def _domain(message: str):
    return Regexp(DOMAIN, message=message)


class SendingSettingsForm(FlaskForm):
    # The key is never shown back; an empty box keeps the stored one.
    edit_ignore = ("dkim_private_key", "dkim_remove_key")

    send_batch_size = IntegerField(
        "Messages per batch", validators=[InputRequired("Give a number."), NumberRange(1, 1000)],
        description="Sent over one connection, then saved as done. 200 suits most servers.")
    send_rate_per_second = IntegerField(
        "Messages per second", validators=[InputRequired("Give a number (0: no limit)."), NumberRange(0, 10000)],
        description="Across every worker. 0 sends as fast as the server accepts.")
    send_hourly_cap = IntegerField(
        "At most per hour", validators=[InputRequired("Give a number (0: no cap)."), NumberRange(0, 10_000_000)],
        description="0: no hourly cap. Sending waits for the next hour when it is reached.")
    send_daily_cap = IntegerField(
        "At most per day", validators=[InputRequired("Give a number (0: no cap)."), NumberRange(0, 100_000_000)],
        description="0: no daily cap. Days run midnight to midnight UTC.")
    send_pause_share = IntegerField(
        "Pause when more than this share of a batch is refused (%)",
        validators=[InputRequired("Give a percentage."), NumberRange(1, 100)],
        description="A campaign pauses itself and says why, so a bad list or a blocked server "
                    "does not burn through the whole audience. 100 never pauses.")
    send_bounce_domain = StringField(
        "Bounce domain", filters=[_strip],
        validators=[Optional(), Length(max=200), _domain("Give a domain name such as bounces.example.org.")],
        description="Optional. Each message's return address becomes bounces+<code>@this domain, so a bounce "
                    "names its recipient. Its mail must reach the bounce mailbox.")
    dkim_selector = StringField("DKIM selector", filters=[_strip],
                                validators=[Optional(), Length(max=63), Regexp(r"^[a-z0-9._-]+$",
                                            message="Letters, digits, dots and dashes only.")],
                                description="The name of the DNS record: <selector>._domainkey.<domain>.")
    dkim_domain = StringField("DKIM domain", filters=[_strip],
                              validators=[Optional(), Length(max=200), _domain("Give a domain name such as "
                                                                               "example.org.")],
                              description="Usually the domain of your From addresses.")
    dkim_private_key = TextAreaField(
        "DKIM private key", validators=[Optional(), Length(max=20000)],
        description="PEM text (-----BEGIN PRIVATE KEY----- ...). Never shown again; leave empty to keep "
                    "the stored key.")
    dkim_remove_key = BooleanField("Remove the stored DKIM key (stop signing)")

    def validate_dkim_private_key(self, field):
        if field.data and field.data.strip():
            problem = key_problem(field.data.strip())
            if problem:
                raise ValidationError(problem)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if bool(self.dkim_selector.data) != bool(self.dkim_domain.data):
            self.dkim_domain.errors = [*self.dkim_domain.errors, "Give both the selector and the domain, or neither."]
            ok = False
        return ok
