"""The accounting export's forms: what to export, and (for admins) which
account each fund's donations are credited to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.currencies import CurrencyField
from app.forms import DateField, choices
from modules.pipeline.accounting.journal import SHAPES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ExportForm(FlaskForm):
    date_from = DateField("From", validators=[DataRequired("Enter the first day to export.")])
    date_to = DateField("To", validators=[DataRequired("Enter the last day to export.")])
    currency = CurrencyField(org_is_blank=True, description="One journal file is in one currency.")
    shape = SelectField("Accounting package", choices=choices(SHAPES.items()), default="quickbooks",
                       validators=[DataRequired("Choose the accounting package.")])
    only_new = BooleanField("Only gifts not exported before",
                            description="Leave unticked to export the whole range again: the totals are the same "
                                        "each time.")

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("The last day is before the first.")
        if self.date_from.data and field.data and (field.data - self.date_from.data).days > 366 * 5:
            raise ValidationError("Export at most five years at a time.")


ACCOUNT = [Optional(), Length(max=100, message="Use at most 100 characters.")]


class AccountsForm(FlaskForm):
    """Funds get a field each (`fund_<id>`), added by `accounts_form`."""

    deposit_account = StringField("Deposit account", filters=[_strip],
                                  validators=[DataRequired("Name the account the money is paid into."),
                                              Length(max=100)],
                                  description="The bank or clearing account debited with each day's donations, "
                                              "as it is named (QuickBooks) or coded (Xero) in your accounts.")
    income_account = StringField("Income account for donations", filters=[_strip],
                                 validators=[DataRequired("Name the income account donations go to."),
                                             Length(max=100)],
                                 description="Credited for gifts to a fund that has no account of its own below.")
    tax_rate = StringField("Xero tax rate", filters=[_strip], validators=[Optional(), Length(max=60)],
                           description="The name of the tax rate Xero uses for donations, such as “Tax Exempt” "
                                       "or “No GST”.")
    date_format = SelectField("Dates in the file", choices=choices([("dmy", "31/12/2026"), ("mdy", "12/31/2026"),
                                                                    ("iso", "2026-12-31")]),
                              description="As your accounting package expects them for your country.")


def accounts_form(funds, **kwargs) -> AccountsForm:
    fields = {f"fund_{f.id}": StringField(f.name, filters=[_strip], validators=ACCOUNT) for f in funds}
    return type("FundAccountsForm", (AccountsForm,), fields)(**kwargs)
