"""Money without floating point.

Amounts are `Decimal`s in Python and whole hundredths (cents) in the
database, so `SUM()` is exact on SQLite (whose NUMERIC is a float) as well as
on PostgreSQL. Every amount has two decimal places, whatever the currency.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, numbers
from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€", "JPY": "¥",
           "INR": "₹", "CHF": "CHF ", "ZAR": "R"}


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


def org_locale() -> str:
    """The organisation's locale ("de-CH"), or "en" outside an app."""
    try:
        from app import settings

        return settings.get("core", "locale") or "en"
    except RuntimeError:  # no application context (a script, a unit test)
        return "en"


def _babel(locale: str | None) -> str:
    return (locale or org_locale()).replace("-", "_")


def _pattern(locale: str) -> str:
    """The locale's own number pattern (its grouping: "#,##,##0" in India) with two decimals."""
    pattern = Locale.parse(locale).decimal_formats[None].pattern.split(";")[0]
    return pattern.split(".")[0] + ".00"


def amount_example(locale: str | None = None) -> str:
    """1234.50 as the locale writes it: "1,234.50", "1.234,50", "1 234,50"."""
    return format_amount(Decimal("1234.50"), locale)


def format_amount(amount, locale: str | None = None) -> str:
    """An amount written so that `parse_amount` in the same locale reads it back."""
    if amount is None:
        return ""
    locale = _babel(locale)
    return numbers.format_decimal(Decimal(amount), _pattern(locale), locale=locale)


# A leading ISO code or symbol ("EUR 10", "$10") and a trailing one ("10 €").
_CURRENCY_AROUND = re.compile(r"^\s*(?:[A-Za-z]{3}\s*|[$£€¥₹])|(?:\s*[A-Za-z]{3}|\s*[$£€¥₹])\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _read_number(text: str, locale: str) -> Decimal:
    """The number in `text` written the locale's way, or AmountError naming that way.

    Babel reads "1e6" as a million; people do not write money like that, so
    anything but digits, the locale's separators and a sign is refused first."""
    group, decimal = numbers.get_group_symbol(locale=locale), numbers.get_decimal_symbol(locale=locale)
    cleaned = _CURRENCY_AROUND.sub("", text.strip()).strip()
    cleaned = cleaned.replace("\u2212", "-").replace("\u2019", "'")  # typographic minus and apostrophe
    if _SPACES.fullmatch(group) or group in "\u00a0\u202f":
        cleaned = _SPACES.sub(group, cleaned)  # people type a plain space for a thin one
    else:
        cleaned = _SPACES.sub("", cleaned)
    if not cleaned:
        raise AmountError("Enter an amount.")
    allowed = set("0123456789-+") | set(group) | set(decimal)
    if not set(cleaned) <= allowed or cleaned.count("-") + cleaned.count("+") > 1 or cleaned[-1] in "-+":
        raise AmountError(f"“{text.strip()}” is not an amount; write the amount like {amount_example(locale)}.")
    try:
        return Decimal(numbers.parse_decimal(cleaned.lstrip("+"), locale=locale, strict=True))
    except (numbers.NumberFormatError, InvalidOperation):
        raise AmountError(f"“{text.strip()}” is not how amounts are written here; "
                          f"write the amount like {amount_example(locale)}.") from None


def parse_amount(text, *, allow_zero: bool = False, allow_negative: bool = False,
                 locale: str | None = None) -> Decimal:
    """'1,234.5' / '$1,234.50' (locale en), '1.234,50 €' (de), or a Decimal ->
    Decimal('1234.50'); AmountError with a message fit for the form field
    otherwise. `locale` defaults to the organisation's (core setting)."""
    if isinstance(text, Decimal):
        value = text
    else:
        value = _read_number(str(text or ""), _babel(locale))
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
