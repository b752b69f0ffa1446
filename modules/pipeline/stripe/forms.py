"""Admin → Online donations: the Stripe signing secret (write-only: the
page never shows it back) and the fund a donation goes to when its
metadata names none."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField
from wtforms.validators import Optional, Regexp


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class StripeSettingsForm(FlaskForm):
    signing_secret = PasswordField(
        "New signing secret", filters=[_strip],
        validators=[Optional(), Regexp(r"^whsec_[A-Za-z0-9+/=_-]{16,200}$",
                                       message="A Stripe signing secret starts with whsec_ (Stripe → Developers → "
                                               "Webhooks → your endpoint → Signing secret).")],
        description="Leave empty to keep the one set now. When you roll the secret in Stripe, paste the new one "
                    "here: the previous one is still accepted until you tick the box below.")
    forget_previous = BooleanField("Stop accepting the previous secret")
    default_fund = SelectField("Fund when the donation names none", choices=[], validate_choice=False,
                               description="The donation form may name a fund or appeal in the Checkout session's "
                                           "metadata (fund, appeal); otherwise gifts go to this fund.")
