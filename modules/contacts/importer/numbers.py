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
from phonenumbers.phonenumberutil import _is_number_matching_desc as _matches_desc  # what the validity check uses

from modules.contacts.people import phones

_NOT_DIGIT = re.compile(r"\D")
# Recurring numbers (an office's switchboard, "0") are parsed once.
CACHE = 50_000


# A ten-digit North American number as most files write it: "(201) 555-0123",
# "201-555-0123", "201.555.0123", "2015550123" (an area code never starts
# with 0 or 1, which is what a national or international prefix would start with).
_NANP = re.compile(r"\(?([2-9]\d\d)\)?[ .-]?(\d{3})[ .-]?(\d{4})")
_NANP_E164 = re.compile(r"\+1([2-9]\d{9})")
# a number format's pattern made only of capturing groups, none nested: "(\d{3})(\d{4})"
_ONLY_GROUPS = re.compile(r"(\((?!\?)[^()]*\))+")


@lru_cache(maxsize=64)
def _plain_nanp(region: str) -> bool:
    """Whether `phonenumbers.parse` reads a `_NANP` text typed in `region` as
    +1 and those ten digits: a +1 region whose only national prefix is "1"
    (US, CA, PR...; not the islands that also take seven-digit local numbers)."""
    if phonenumbers.country_code_for_region(region) != 1:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix == "1" and metadata.national_prefix_for_parsing in (None, "1")
            and metadata.national_prefix_transform_rule is None and metadata.international_prefix == "011")


def parse(raw: str, region: str | None) -> PhoneNumber:
    """`phonenumbers.parse(raw, region)`; the common North American shapes
    (and their E.164 form, as stored) without its general parser, about two
    thirds of the cost of reading a number, with the same result."""
    if raw[:2] == "+1":
        match = _NANP_E164.fullmatch(raw)
        if match:
            return PhoneNumber(country_code=1, national_number=int(match[1]))
    elif region is not None:
        match = _NANP.fullmatch(raw)
        if match and _plain_nanp(region):
            return PhoneNumber(country_code=1, national_number=int(match[1] + match[2] + match[3]))
    return phonenumbers.parse(raw, region)


@lru_cache(maxsize=64)
def _national_keeps_digits(country_code: int) -> bool:
    """Whether the national format of this calling code's numbers shows
    exactly their significant digits: no format of its main region adds a
    national prefix or other digits (true of +1, not of +44's "0...")."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return False
    for number_format in metadata.number_format:
        if not _ONLY_GROUPS.fullmatch(number_format.pattern):  # a digit matched outside a group is dropped
            return False
        groups = re.compile(number_format.pattern).groups
        for rule in (number_format.format, number_format.national_prefix_formatting_rule or ""):
            if re.search(r"\d", re.sub(r"\\\d", "", rule)) or "$" in rule:
                return False
        if sorted(re.findall(r"\\(\d)", number_format.format)) != [str(i) for i in range(1, groups + 1)]:
            return False
    return True


@lru_cache(maxsize=CACHE)
def read(raw: str, region: str, home: str) -> tuple[str, tuple[str, str]] | None:
    """(E.164, the digits search takes from it: its own and those `phones.display`
    shows) for `raw` typed in `region`, by an organisation in `home`."""
    try:
        parsed = parse(raw, region)
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
            parsed = parse(number, None)
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
    if _national_keeps_digits(parsed.country_code):
        return phonenumbers.national_significant_number(parsed)
    national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def _in_home(parsed: PhoneNumber, regions: tuple[str, ...], home: str) -> bool:
    """`region_code_for_number(parsed) == home` for a calling code shared by
    several regions; when home is the code's main region and has no leading
    digits, that is the (cheaper) check of validity for home alone."""
    if regions[0] == home and phonenumbers.PhoneMetadata.metadata_for_region(home).leading_digits is None:
        return _valid_for(parsed, home)
    return phonenumbers.region_code_for_number(parsed) == home


# Number types in the order `_valid_for` tries them: the likeliest first.
_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip", "personal_number", "pager",
          "uan", "voicemail")


def _valid_for(parsed: PhoneNumber, region: str) -> bool:
    """`phonenumbers.is_valid_number_for_region(parsed, region)` for a number
    of one of `region`'s calling code: valid when it fits the region's general
    pattern and any type's. phonenumbers tries eight rarer types before fixed
    line and mobile (it wants the type); here most numbers need two patterns."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    nsn = phonenumbers.national_significant_number(parsed)
    if not _matches_desc(nsn, metadata.general_desc):
        return False
    return any(_matches_desc(nsn, getattr(metadata, kind)) for kind in _TYPES)
