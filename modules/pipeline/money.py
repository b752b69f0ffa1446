"""Money without floating point.

Amounts are `Decimal`s in Python and whole hundredths (cents) in the
database, so `SUM()` is exact on SQLite (whose NUMERIC is a float) as well as
on PostgreSQL. Every amount has two decimal places, whatever the currency.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€", "JPY": "¥",
           "INR": "₹", "CHF": "CHF ", "ZAR": "R"}


_NOISE = re.compile(r"^\s*[A-Za-z]{3}\s*|[\s,\u00a0$£€¥₹]")


class Money(TypeDecorator):
    """A Decimal amount stored as integer hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)

    @property
    def python_type(self):
        return Decimal


class AmountError(ValueError):
    pass


def parse_amount(text, *, allow_zero: bool = False, allow_negative: bool = False) -> Decimal:
    """'1,234.5' / '$1 234.50' / Decimal -> Decimal('1234.50'); AmountError
    with a message fit for the form field otherwise."""
    if isinstance(text, Decimal):
        value = text
    else:
        # Drop currency symbols or a leading code, thousands separators, spaces.
        cleaned = _NOISE.sub("", str(text or ""))
        if not cleaned:
            raise AmountError("Enter an amount.")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise AmountError(f"“{text}” is not an amount; write it like 1234.50.") from None
    if not value.is_finite():
        raise AmountError("Enter an amount.")
    if abs(value) > MAX_AMOUNT:  # first: quantizing a 29-digit number is an error of its own
        raise AmountError("That amount is too large.")
    if value != value.quantize(CENT):
        raise AmountError("Amounts have at most two decimal places.")
    if value < 0 and not allow_negative:
        raise AmountError("The amount cannot be negative.")
    if value == 0 and not allow_zero:
        raise AmountError("The amount must be more than zero.")
    return value.quantize(CENT)


def format_money(amount, currency: str = "", *, whole: bool = False) -> str:
    """`$1,234.50`; `whole=True` drops the cents (for board totals)."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.0f}" if whole else f"{abs(amount):,.2f}"
    symbol = SYMBOLS.get((currency or "").upper())
    if symbol is None:
        return f"{sign}{text} {currency}".strip()
    return f"{sign}{symbol}{text}"
