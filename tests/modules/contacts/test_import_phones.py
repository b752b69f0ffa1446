"""The import's phone reading gives what the rest of the app would: the E.164
form of `phones.normalise` and the digits `search.document` takes from it."""

import random
import re

import pytest

from modules.contacts.importer.numbers import read
from modules.contacts.people import phones

SAMPLES = [
    "07700 900123", "+44 7700 900123", "020 7946 0018", "(020) 7946-0018", "+44 (0)20 7946 0018", "0113 496 0000",
    "01632 960001", "+1 (202) 555-0143", "202-555-0143", "(415) 555 2671", "+1 604 555 1234", "+1 441 555 1234",
    "+33 1 23 45 67 89", "01 23 45 67 89", "06 12 34 56 78", "+33612345678", "not a phone", "12", "+999 1234", "0",
    "+44 1481 712345", "01481 712345", "+44 1534 123456", "01624 123456", "+39 06 1234 5678", "+49 30 123456",
    "+353 1 234 5678", "+61 2 9876 5432", "07700 900123 ext. 12", "+44 20 7946 0018 x 99", "555-1234",
    "1-800-555-0199", "+7 495 123-45-67", "+1 809 555 1234", "00 44 20 7946 0018", "011 44 20 7946 0018",
    "+262 262 123456", "+590 590 271234", "+47 2212 3456", "+358 9 1234567", "abc 123 456", "+9  500556671",
    "+49 00)8)3(946-5",
]


def _digits(text):
    return re.sub(r"\D", "", text or "")


def _samples():
    rnd = random.Random(3)
    made = list(SAMPLES)
    for _ in range(600):
        made.append(rnd.choice(["0", "+44", "+1", "+33", "0044", "+", "", "(0", "+39 0", "+49 "])
                    + "".join(rnd.choice("0123456789  -()") for _ in range(rnd.randint(5, 14))))
    return made


@pytest.mark.parametrize("home", ["GB", "US", "FR", "JE", "IT"])
@pytest.mark.parametrize("region", ["GB", "US", "FR"])
def test_same_number_and_search_digits_as_the_app(home, region):
    for raw in _samples():
        number = phones.normalise(raw, region)
        got = read(raw, region, home)
        if number is None:
            assert got is None, raw
        else:
            assert got == (number, (_digits(number), _digits(phones.display(number, home)))), raw


def _example_numbers():
    """Every region's example fixed-line and mobile numbers, typed nationally,
    internationally and with an extension, each with the region it is typed in."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
            out += [(national, region), (international, "US"), (national + " ext. 12", region),
                    (international + " x 4321", "GB")]
    return out


@pytest.mark.parametrize("home", ["GB", "US", "CA", "FR", "IT", "JE", "AU"])
def test_every_regions_numbers_with_and_without_extensions_read_as_the_app_stores_and_finds_them(home):
    checked = 0
    for raw, region in _example_numbers():
        number = phones.normalise(raw, region)
        got = read(raw, region, home)
        if number is None:
            assert got is None, raw
            continue
        checked += 1
        assert got == (number, (_digits(number), _digits(phones.display(number, home)))), (raw, region)
    assert checked > 900


@pytest.mark.parametrize("home", ["GB", "US", "CA", "FR", "IT", "JE"])
def test_stored_numbers_give_the_digits_search_document_takes(home):
    """Matched contacts' existing numbers (E.164 or anything older code stored)
    are indexed by the digits `search.document` takes from them."""
    from modules.contacts.importer.numbers import stored

    made = [phones.normalise(raw, region) for raw, region in _example_numbers()]
    made += [n for n in (phones.normalise(raw, "GB") for raw in _samples()) if n]
    made += ["+44 20 7946 0018", "+442079460018 ext. 12", "020 7946 0018", "+390612345678", "+1", "+", "12",
             "+999 1234", "+12025550143x7", "٠١٢٣٤٥٦٧٨٩"]
    for number in made:
        if number:
            assert stored(number, home) == (_digits(number), _digits(phones.display(number, home))), number


def test_north_american_shapes_parse_as_phonenumbers_parses_them():
    """`numbers.parse` reads "(201) 555-0123" and its cousins without the
    general parser: the same PhoneNumber (or the same refusal) in every +1
    region and elsewhere, whatever the digits."""
    import phonenumbers

    from modules.contacts.importer import numbers

    rnd = random.Random(7)
    shapes = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}", "({a}){b}-{c}", "{a} {b} {c}",
              "({a} {b}-{c}", "{a}) {b}-{c}", "1 {a} {b} {c}", "+1 {a} {b} {c}", "+1{a}{b}{c}"]
    regions = ["US", "CA", "PR", "DO", "JM", "BS", "BB", "AG", "GB", "FR", "IT", None]
    fast = 0
    for _ in range(20_000):
        raw = rnd.choice(shapes).format(a=f"{rnd.randint(0, 999):03d}", b=f"{rnd.randint(0, 999):03d}",
                                        c=f"{rnd.randint(0, 9999):04d}")
        region = rnd.choice(regions)
        outcome = []
        for parse in (phonenumbers.parse, numbers.parse):
            try:
                outcome.append(parse(raw, region))
            except phonenumbers.NumberParseException as error:
                outcome.append(str(error))
        assert outcome[0] == outcome[1], (raw, region)
        fast += bool(numbers._NANP_E164.fullmatch(raw)
                     or region and numbers._NANP.fullmatch(raw) and numbers._plain_nanp(region))
    assert fast > 5_000  # the shortcut was taken, and agreed


def test_national_digits_without_formatting_only_where_the_national_format_shows_just_those_digits():
    """`_display_digits` skips formatting for calling codes whose national
    format adds no digit: checked against every region's example numbers
    and random North American ones."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    from modules.contacts.importer import numbers

    rnd = random.Random(11)
    examples = [phonenumbers.parse(f"+1{rnd.randint(2000000000, 9999999999)}") for _ in range(3000)]
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and not example.italian_leading_zero:
                examples.append(example)
    kept = 0
    for example in examples:
        if numbers._national_keeps_digits(example.country_code):
            kept += 1
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            assert _digits(national) == phonenumbers.national_significant_number(example), national
    assert kept > 3000
    assert numbers._national_keeps_digits(1) and not numbers._national_keeps_digits(44)  # GB adds its 0


def test_validity_for_the_home_region_is_phonenumbers_own():
    """`_valid_for` tries the number types in another order than
    `phonenumbers.is_valid_number_for_region`, with the same answer."""
    import phonenumbers

    from modules.contacts.importer import numbers

    rnd = random.Random(13)
    valid = 0
    for region in ("US", "CA", "GB", "FR", "IT", "AU", "JE", "DE", "IN", "BR"):
        code = phonenumbers.country_code_for_region(region)
        for _ in range(1500):
            national = rnd.randint(10**5, 10 ** rnd.randint(7, 11))
            number = phonenumbers.PhoneNumber(country_code=code, national_number=national)
            expected = phonenumbers.is_valid_number_for_region(number, region)
            assert numbers._valid_for(number, region) == expected, (region, number.national_number)
            valid += expected
    assert valid > 2000
