"""Form fields and validators shared by the core and modules."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

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
