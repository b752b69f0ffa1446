"""The settings receipts read: the registration number, the signature, the
paper size, the tax wording and the date style, stored as the pipeline
module's settings; the organisation's name, postal address and logo are the
core's (app/organisation.py)."""

from __future__ import annotations

from datetime import date

from app import settings
from app.countries import LETTER_REGIONS

# The manifest's defaults for these keys (modules/pipeline/__init__.py).
DEFAULTS = {"receipts_registration": "", "receipts_paper": "auto",
            "receipts_signature": "", "receipts_wording": "standard"}
PAPERS = {"auto": "From the organisation's locale", "A4": "A4 (210 × 297 mm)", "Letter": "US Letter (8.5 × 11 in)"}
LETTER_CURRENCIES = {"USD", "CAD"}


def get(key: str) -> str:
    value = settings.get("pipeline", key)
    return DEFAULTS.get(key, "") if value is None else str(value)


def home_region() -> str:
    """The organisation's country from its locale ("en-GB" -> "GB"), or ""."""
    return _region()


def _region() -> str:
    locale = (settings.get("core", "locale") or "en").replace("_", "-")
    return locale.split("-", 1)[1].upper() if "-" in locale else ""


def paper_size() -> str:
    """"A4" or "Letter": the setting, or worked out from the locale's region
    (en-US, fr-CA: Letter); a bare language ("en") goes by the currency."""
    chosen = get("receipts_paper")
    if chosen in ("A4", "Letter"):
        return chosen
    region = _region()
    if region:
        return "Letter" if region in LETTER_REGIONS else "A4"
    currency = (settings.get("core", "currency") or "USD").upper()
    return "Letter" if currency in LETTER_CURRENCIES else "A4"


def month_first() -> bool:
    """US style dates ("March 14, 2026") where Letter paper is the rule."""
    region = _region()
    if region:
        return region == "US"
    return (settings.get("core", "currency") or "USD").upper() == "USD"


def long_date(day: date | None) -> str:
    if day is None:
        return ""
    month = day.strftime("%B")
    return f"{month} {day.day}, {day.year}" if month_first() else f"{day.day} {month} {day.year}"


def org_address_lines() -> list[str]:
    """The organisation's postal address (a core setting: Admin → Organisation)."""
    from app import organisation

    return organisation.address_lines()


# The tax statement a receipt carries, by the wording chosen with the
# organisation's country (app/countries.py RECEIPT_WORDINGS): templates show
# it as {{ org.tax_statement }}.
TAX_STATEMENTS = {
    "standard": "Please keep this letter for your records.",
    "us": "No goods or services were provided in exchange for this gift. "
          "Please keep this letter for your tax records.",
    "gb": "If you are a UK taxpayer and have made a Gift Aid declaration, we can claim an extra 25p for every "
          "£1 you give. You must pay at least as much Income Tax or Capital Gains Tax in the tax year as the "
          "Gift Aid we claim on all your donations; if you pay less, it is your responsibility to pay the "
          "difference.",
    "ca": "Official receipt for income tax purposes. Canada Revenue Agency: canada.ca/charities-giving",
}


def tax_statement() -> str:
    return TAX_STATEMENTS.get(get("receipts_wording"), TAX_STATEMENTS["standard"])
