"""The form that schedules a saved report by email."""

from __future__ import annotations

from email.utils import parseaddr

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, ValidationError

from modules.reports.delivery.due import FREQUENCIES

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ScheduleForm(FlaskForm):
    frequency = SelectField("How often", choices=list(FREQUENCIES.items()), default="weekly",
                            description="The quarterly report goes out on the first working day of "
                                        "January, April, July and October (weekends and public holidays skipped).")
    weekday = SelectField("Weekly: on", coerce=int, choices=list(enumerate(WEEKDAYS)), default=0)
    day = IntegerField("Monthly: on day", default=1, validators=[NumberRange(1, 28, "Choose a day from 1 to 28.")])
    format = SelectField("Attach as", choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)")], default="pdf")
    recipients = TextAreaField("Send to", validators=[DataRequired("Give at least one address.")],
                               description="Email addresses of users or anyone else, one a line.")

    def validate_recipients(self, field):
        bad = [a for a in addresses(field.data) if "@" not in parseaddr(a)[1]]
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad)}")
        if len(addresses(field.data)) > 50:
            raise ValidationError("At most 50 recipients.")


def addresses(text: str | None) -> list[str]:
    return [a.strip() for a in (text or "").replace(",", "\n").splitlines() if a.strip()]
