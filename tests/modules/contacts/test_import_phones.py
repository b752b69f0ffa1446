"""The import's phone reading gives what the rest of the app would: the E.164
form of `phones.normalise` and the digits `search.document` takes from it."""

import random
import re

import pytest

from modules.contacts import phones
from modules.contacts.importer.numbers import read

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
