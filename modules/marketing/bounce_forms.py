"""The form of Admin → Bounces and complaints: the soft-bounce rule and the
providers' webhook secrets (docs/marketing.md, "Bounces and complaints")."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BounceSettingsForm(FlaskForm):
    soft_bounce_limit = IntegerField(
        "Soft bounces before an address is suppressed",
        validators=[InputRequired("Give a number from 1 to 50."), NumberRange(1, 50, "Give a number from 1 to 50.")],
        description="A full mailbox or a server that is down for a while: after this many, within the days "
                    "below, the address is put on the suppression list.")
    soft_bounce_days = IntegerField(
        "Within how many days",
        validators=[InputRequired("Give a number of days from 1 to 365."),
                    NumberRange(1, 365, "Give a number of days from 1 to 365.")])
    ses_topic_arns = TextAreaField(
        "Amazon SNS topics (ARNs)", filters=[_strip], validators=[
            Optional(), Length(max=2000),
            Regexp(r"^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+\s*)*$",
                   message="One topic ARN a line, such as arn:aws:sns:eu-west-1:123456789012:bounces.")],
        description="One a line: the SNS topics your SES bounce and complaint notifications go to. Messages "
                    "from any other topic are refused.")
    postmark_username = StringField("Postmark webhook user name", filters=[_strip],
                                    validators=[Optional(), Length(max=100)])
    postmark_password = PasswordField("Postmark webhook password", filters=[_strip],
                                    validators=[Optional(), Length(min=16, max=200,
                                                                   message="Use 16 to 200 characters.")],
                                    description="Put both in the webhook URL in Postmark: "
                                                "https://user:password@your-steward/marketing/webhooks/postmark. "
                                                "Leave empty to keep the one set now.")
    postmark_token = PasswordField("Postmark token header (X-Steward-Token)", filters=[_strip],
                                 validators=[Optional(), Length(min=16, max=200, message="Use 16 to 200 characters.")],
                                 description="Instead of a user name and password: add a custom header "
                                             "X-Steward-Token with this value to the webhook in Postmark. "
                                             "Leave empty to keep the one set now.")
    forget_postmark = BooleanField("Forget the Postmark password and token")

    # Set by the view: whether a password is stored, so an empty field means "keep it".
    password_stored = False

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        has_password = bool(self.postmark_password.data) or (self.password_stored and not self.forget_postmark.data)
        if bool(self.postmark_username.data) != has_password:
            (self.postmark_password if self.postmark_username.data else self.postmark_username).errors.append(
                "Give both the user name and the password, or neither.")
            ok = False
        return ok
