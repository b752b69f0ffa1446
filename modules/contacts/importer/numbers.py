"""Phone numbers as an import reads them: what `phones.normalise` gives
(E.164, or None when not a possible number), parsed once per distinct text,
with the digits search finds it by — the same as `search.document` takes from
the stored number (its E.164 digits and the digits `phones.display` shows) —
without parsing the E.164 form again or checking numbers of other countries."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumber, PhoneNumberFormat

from modules.contacts import phones

_NOT_DIGIT = re.compile(r"\D")
# Recurring numbers (an office's switchboard, "0") are parsed once.
CACHE = 50_000


@lru_cache(maxsize=CACHE)
def read(raw: str, region: str, home: str) -> tuple[str, tuple[str, str]] | None:
    """(E.164, the digits search takes from it: its own and those `phones.display`
    shows) for `raw` typed in `region`, by an organisation in `home`."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return e164, (e164[1:], _display_digits(parsed, e164, home))


@lru_cache(maxsize=CACHE)
def stored(number: str, home: str) -> tuple[str, str]:
    """What `search.document` takes from a stored number (`documents.phone_parts`):
    its digits and those of `phones.display(number, home)`, the display's
    digits worked out as for a number just read when `number` is plain E.164."""
    digits = _NOT_DIGIT.sub("", number)
    if number.startswith("+"):
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if (parsed is not None and not parsed.extension and not parsed.italian_leading_zero
                and phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == number):
            return digits, _display_digits(parsed, number, home)
    return digits, _NOT_DIGIT.sub("", phones.display(number, home))


def _display_digits(parsed: PhoneNumber, e164: str, home: str) -> str:
    """The digits of `phones.display(e164, home)`: the national form for numbers
    of the home country; otherwise the international form, whose digits are E.164's."""
    if parsed.italian_leading_zero:
        # may not read back from E.164 as the same number
        return "".join(ch for ch in phones.display(e164, home) if ch.isdigit())
    if parsed.extension:
        # E.164 drops the extension: the stored number is this one without it
        parsed = PhoneNumber(country_code=parsed.country_code, national_number=parsed.national_number)
    regions = COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code, ())
    if home not in regions:
        return e164[1:]
    if len(regions) > 1 and not _in_home(parsed, regions, home):
        return e164[1:]
    national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def _in_home(parsed: PhoneNumber, regions: tuple[str, ...], home: str) -> bool:
    """`region_code_for_number(parsed) == home` for a calling code shared by
    several regions; when home is the code's main region and has no leading
    digits, that is the (cheaper) check of validity for home alone."""
    if regions[0] == home and phonenumbers.PhoneMetadata.metadata_for_region(home).leading_digits is None:
        return phonenumbers.is_valid_number_for_region(parsed, home)
    return phonenumbers.region_code_for_number(parsed) == home
