"""Form fields and validators shared by the core and modules."""

from __future__ import annotations

import re
from datetime import date

import wtforms
from wtforms import EmailField, PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, StopValidation, ValidationError

from app.auth.passwords import password_problem


def email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[
        DataRequired("Enter an email address."),
        Email("Enter a valid email address, like name@example.org.", check_deliverability=False),
        Length(max=254),
    ], filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        render_kw={"autocomplete": "email"})


class StrongPassword:
    def __call__(self, form, field):
        email = getattr(form, "account_email", None) or (form.email.data if hasattr(form, "email") else "")
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise ValidationError(problem)


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField("Password", validators=[DataRequired("Choose a password."), StrongPassword()],
                      description="At least 12 characters. A few unrelated words work well.",
                      render_kw={"autocomplete": "new-password"}),
        PasswordField("Repeat password", validators=[
            DataRequired("Repeat the password."), EqualTo("password", "The passwords do not match."),
        ], render_kw={"autocomplete": "new-password"}),
    )


def choices(pairs) -> list[SelectChoice]:
    """`[(value, label), ...]` or `{value: label}` as WTForms choices."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class DateProblem(ValueError):
    """What is wrong with a typed date, in words for the field."""


def read_date(text) -> date | None:
    """'2025-03-01' -> date; '' -> None; DateProblem naming the actual
    problem otherwise: "30 February 2025 does not exist.", "There is no
    month 13.", "Write the date as YYYY-MM-DD."."""
    text = (text or "").strip()
    if not text:
        return None
    match = _ISO_DATE.fullmatch(text)
    if not match:
        raise DateProblem("Write the date as YYYY-MM-DD.")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise DateProblem(f"There is no month {month}.")
    if year < 1:
        raise DateProblem("There is no year 0.")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"{day} {MONTHS[month - 1]} {year} does not exist.") from None


class DateField(wtforms.DateField):
    """A date typed as YYYY-MM-DD (an <input type=date>). An impossible date
    keeps what was typed (`raw_data`) and its message names the problem;
    no later validator runs, and a required date is checked with
    InputRequired (DataRequired would clear that message and say "enter
    a date" instead), so `DataRequired` given here is read as InputRequired."""

    def __init__(self, label=None, validators=None, **kwargs):
        validators = [InputRequired(v.message) if isinstance(v, DataRequired) else v for v in validators or ()]
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = read_date(valuelist[0])
        except DateProblem as problem:
            self.data = None
            raise ValueError(str(problem)) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # its own message is already in `errors`
