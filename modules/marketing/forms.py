"""The marketing module's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import choices, email_field
from modules.marketing.models import MANUAL, SUPPRESSION_REASONS, TOPIC_KINDS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TopicForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Name the topic."), Length(max=120)], filters=[_strip],
                       description="What people see, such as “Newsletter” or “Year 7 families”.")
    description = TextAreaField("Public description", validators=[Length(max=2000)], filters=[_strip],
                                description="One or two sentences on the sign-up form and the preference page: "
                                            "what they will get, and how often.")
    consent_wording = TextAreaField("Consent wording", validators=[Length(max=2000)], filters=[_strip],
                                    description="What people agree to by signing up, such as “Yes, email me the "
                                                "monthly newsletter. I can unsubscribe at any time.” It is stored "
                                                "with each person's consent.")
    kind = RadioField("Who can join", choices=choices(TOPIC_KINDS), default="double_opt_in")
    on_preference_page = BooleanField("Show on the public preference page",
                                      description="People can then join and leave it from the link in every "
                                                  "email. Subscribers always see the topics they are in.")


class SuppressionForm(FlaskForm):
    email = email_field("Email address")
    reason = SelectField("Reason", choices=choices(SUPPRESSION_REASONS), default=MANUAL)
    note = StringField("Note", validators=[Optional(), Length(max=300)], filters=[_strip],
                       description="Optional: why, for whoever reads the list later.")


class SignupForm(FlaskForm):
    """The public sign-up form. No CSRF token: the same form is embedded in
    the organisation's own website, which cannot hold one; double opt-in, the
    honeypot and the rate limit stand guard instead."""

    class Meta:
        csrf = False

    email = EmailField("Email address", validators=[
        DataRequired("Enter your email address."),
        Email("Enter a valid email address, like name@example.org.", check_deliverability=False),
        Length(max=254)], filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        render_kw={"autocomplete": "email"})
    first_name = StringField("First name", validators=[Optional(), Length(max=100)], filters=[_strip],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)], filters=[_strip],
                            render_kw={"autocomplete": "family-name"})
    # The honeypot: hidden from people (CSS, aria-hidden, no tab stop); bots fill it.
    website = StringField("Leave this empty", render_kw={"tabindex": "-1", "autocomplete": "off"})
