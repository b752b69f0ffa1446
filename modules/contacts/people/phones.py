"""Phone numbers: parsed and formatted with `phonenumbers`."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


def default_region() -> str:
    """The organisation's country for numbers typed without +code."""
    from app import settings

    locale = settings.get("core", "locale") or "en"
    region = locale.split("-")[1] if "-" in locale else ""
    return (settings.get("contacts", "default_country") or region or "US").upper()


@lru_cache(maxsize=64)
def _example(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if number else ""


def example(region: str | None = None) -> str:
    """A number as people write it in the organisation's country, with its
    code ("+353 85 012 3456" in Ireland): the phone box's placeholder."""
    return _example(region or default_region())


def normalise(raw: str, region: str | None = None) -> str | None:
    """E.164 (+441632960001), or None when the text is not a possible number."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, region or default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display(number: str, region: str | None = None) -> str:
    """National format for numbers of the home country, international otherwise."""
    if not number or not number.startswith("+"):
        return number or ""
    return _display(number, region or default_region())


@lru_cache(maxsize=8192)
def _display(number: str, home: str) -> str:
    """Parsing and formatting cost ~70 µs a number (a list page shows 50): the
    answer depends only on the arguments, so it is kept (about 1 MB at most)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL
           if phonenumbers.region_code_for_number(parsed) == home
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, fmt)
