"""Checking and converting one row: `RowReader(mapping, headers).read(line, cells)`
gives a `Row` with the values ready to store and its problems (column, message).

The reader is built once per file (field lookups, the phone region, the date
order, custom field choices), so reading a row is cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app import settings
from app.languages import language_code
from modules.contacts.importer import numbers
from modules.contacts.importer.documents import fold  # search.fold, cached
from modules.contacts.models import HOUSEHOLD, OPT_IN, OPT_OUT, OPT_UNKNOWN, ORGANISATION, PERSON, CustomField
from modules.contacts.people import custom_fields, phones

# The common shape of an address, checked quickly; anything else goes
# through email-validator (internationalised addresses, quoted parts...).
_SIMPLE_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                           r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_SPLIT_LIST = re.compile(r"\s*[,;]\s*")

LIMITS = {"prefix": 40, "first_name": 100, "middle_name": 100, "last_name": 100, "suffix": 40,
          "preferred_name": 100, "name": 200, "pronouns": 40, "preferred_language": 20, "source": 100,
          "notes": 10_000, "address_line1": 200, "address_line2": 200, "city": 100, "region": 100,
          "postcode": 20, "salutation": 100, "addressee": 200}
TEXT_FIELDS = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "name",
               "pronouns", "preferred_language", "source", "notes", "salutation", "addressee")
FLAGS = ("do_not_email", "do_not_phone", "do_not_mail")
PHONES = {"phone": "", "mobile": "mobile", "phone_2": ""}
ADDRESS = {"address_line1": "line1", "address_line2": "line2", "city": "city", "region": "region",
           "postcode": "postcode", "country": "country"}
KIND_WORDS = {"person": PERSON, "people": PERSON, "individual": PERSON, "individuals": PERSON,
              "household": HOUSEHOLD, "family": HOUSEHOLD, "organisation": ORGANISATION,
              "organization": ORGANISATION, "org": ORGANISATION, "company": ORGANISATION,
              "business": ORGANISATION}
YES = {"yes", "y", "true", "1", "x", "on", "t"}
NO = {"no", "n", "false", "0", "off", "f"}
OPT_WORDS = {**{w: OPT_IN for w in ("yes", "y", "true", "1", "opted in", "opted_in", "opt in", "in", "subscribed")},
             **{w: OPT_OUT for w in ("no", "n", "false", "0", "opted out", "opted_out", "opt out", "out",
                                     "unsubscribed")},
             "unknown": OPT_UNKNOWN}
COUNTRY_NAMES = {"united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
                 "wales": "GB", "northern ireland": "GB", "united states": "US", "usa": "US",
                 "united states of america": "US", "america": "US", "ireland": "IE", "france": "FR",
                 "germany": "DE", "deutschland": "DE", "canada": "CA", "australia": "AU", "new zealand": "NZ",
                 "spain": "ES", "italy": "IT", "netherlands": "NL", "belgium": "BE", "india": "IN"}
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"), start=1)}
# ISO 3166-1 alpha-2, as the contact form checks it (people/forms.py ISO_COUNTRIES).
ISO_COUNTRIES = phonenumbers.SUPPORTED_REGIONS
NAME_KEYS = ("first_name", "last_name", "full_name", "preferred_name", "middle_name")


@dataclass
class Row:
    line: int
    cells: list[str]
    kind: str = PERSON
    values: dict = field(default_factory=dict)  # contact columns, non-empty only
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str, tuple[str, str]]] = field(default_factory=list)  # (E.164, label, search digits)
    address: dict | None = None
    tags: list[str] = field(default_factory=list)
    custom: dict[int, object] = field(default_factory=dict)  # field id -> parsed value
    opt_in: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (header, message)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_text(self) -> str:
        return "; ".join(f"{column}: {message}" if column else message for column, message in self.problems)


def parse_email(text: str) -> str | None:
    if len(text) <= 254 and _SIMPLE_EMAIL.fullmatch(text):
        return text.lower()
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= date.today().year % 100 else 1900
    return year


def parse_date(text: str, day_first: bool = True) -> date | None:
    """ISO dates (and date-times), Y/M/D, D/M/Y or M/D/Y (by the organisation's
    locale, unless the numbers only fit one way), "3 March 1980", "March 3, 1980"."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T][\d:.]+)?", text):
        y, m, d = (int(p) for p in text.split()[0].split("T")[0].split("-"))
        return _make(y, m, d)
    match = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", text)
    if match:
        return _make(int(match[1]), int(match[2]), int(match[3]))
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text)
    if match:
        a, b, year = int(match[1]), int(match[2]), _year(match[3])
        if a > 12 >= b:
            return _make(year, b, a)
        if b > 12 >= a:
            return _make(year, a, b)
        return _make(year, b, a) if day_first else _make(year, a, b)
    words = fold(text).split()
    if len(words) == 3:
        if words[0].isdigit() and words[1][:3] in MONTHS and words[2].isdigit():  # 3 March 1980
            return _make(_year(words[2]), MONTHS[words[1][:3]], int(words[0]))
        if words[0][:3] in MONTHS and words[1].isdigit() and words[2].isdigit():  # March 3, 1980
            return _make(_year(words[2]), MONTHS[words[0][:3]], int(words[1]))
    return None


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


class RowReader:
    """Reads rows of one file with one mapping. What depends only on the
    mapping (which checks apply, the custom fields' choices) is worked out
    here once, so reading a row only visits the fields the file has."""

    def __init__(self, headers: list[str], mapping: dict[str, str], fields: list[CustomField], values=None):
        self.headers = headers
        # value_lists.ValueLists: tags and choices the database does not know, as the user chose (or None)
        self.values = values
        self.columns: list[tuple[int, str, str]] = [  # (index, header, key)
            (i, h, mapping.get(h, "")) for i, h in enumerate(headers) if mapping.get(h)]
        self.header_of = {key: header for _, header, key in self.columns}
        self.custom = {f"custom:{f.key}": f for f in fields}
        self.region = phones.default_region()
        locale = (settings.get("core", "locale") or "en").upper()
        self.day_first = not locale.endswith(("-US", "_US", "-PH", "_PH"))
        self.today = date.today()
        # the same checks, in the same order, limited to the mapped fields
        mapped = set(self.header_of)
        self._cells = [(i, key) for i, _, key in self.columns]
        self._limits = [(key, limit, self.header_of[key]) for key, limit in LIMITS.items() if key in mapped]
        self._text = [key for key in TEXT_FIELDS if key in mapped]
        self._name_keys = [key for key in NAME_KEYS if key in mapped]
        self._emails = [(key, self.header_of[key]) for key in ("email", "email_2") if key in mapped]
        self._address = [(key, part) for key, part in ADDRESS.items() if key in mapped]
        self._phones = [(key, label, self.header_of[key]) for key, label in PHONES.items() if key in mapped]
        self._flags = [(key, self.header_of[key]) for key in FLAGS if key in mapped]
        self._fields = [(key, field, field.type, tuple(field.kinds or []), tuple(field.choices or ()),
                         {c.lower(): c for c in field.choices or ()}, self.header_of[key])
                        for key, field in self.custom.items() if key in mapped]

    def phone(self, raw: str, region: str) -> tuple[str, tuple[str, str]] | None:
        """(E.164, the digits search knows it by), or None when not a possible number."""
        return numbers.read(raw, region, self.region)

    def date(self, text: str) -> date | None:
        return parse_date(text, self.day_first)

    def read(self, line: int, cells: list[str]) -> Row:
        row = Row(line=line, cells=cells)
        count = len(cells)
        raw: dict[str, str] = {}
        for index, key in self._cells:
            if index < count and (value := cells[index]):
                raw[key] = value
        problems = row.problems
        for key, limit, header in self._limits:
            if key in raw and len(raw[key]) > limit:
                problems.append((header, f"Too long: keep it under {limit} characters."))
                raw[key] = raw[key][:limit]
        values = row.values
        for key in self._text:
            if key in raw:
                values[key] = raw[key]
        if "preferred_language" in values:
            try:
                values["preferred_language"] = language_code(values["preferred_language"])
            except ValueError as error:
                problems.append((self.header_of["preferred_language"], str(error)))
                del values["preferred_language"]
        # kind and name
        if "kind" in raw:
            kind = KIND_WORDS.get(fold(raw["kind"]))
            if kind is None:
                problems.append((self.header_of["kind"],
                                 f"“{raw['kind']}” is not a kind of contact: use person, household or organisation."))
                kind = PERSON
        else:
            kind = PERSON
            for key in self._name_keys:
                if key in raw:
                    break
            else:
                if "name" in raw:
                    kind = ORGANISATION
        row.kind = kind
        full = raw.get("full_name", "")
        if kind == PERSON:
            if full and not (values.get("first_name") or values.get("last_name")):
                first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
                if first:
                    values["first_name"] = first[:100]
                values["last_name"] = last[:100]
            values.pop("name", None)
            if not (values.get("first_name") or values.get("last_name") or values.get("preferred_name")
                    or values.get("middle_name")):
                problems.append(("", "No name: a person needs a first or last name."))
        else:
            if not values.get("name") and full:
                values["name"] = full[:200]
            for key in ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name"):
                values.pop(key, None)
            if not values.get("name"):
                problems.append(("", f"No name: a {kind} needs a name."))
        # emails
        for key, header in self._emails:
            if key in raw:
                email = parse_email(raw[key])
                if email is None:
                    problems.append((header, f"“{raw[key]}” is not a valid email address."))
                elif email not in row.emails:
                    row.emails.append(email)
        # address (its country also tells how to read the phone numbers)
        address = {part: raw[key] for key, part in self._address if key in raw}
        region = self.region
        if "country" in address:
            code = address["country"].upper() if len(address["country"]) == 2 else \
                COUNTRY_NAMES.get(fold(address["country"]), "")
            if code not in ISO_COUNTRIES:
                problems.append((self.header_of["country"],
                                 f"“{address['country']}” is not a country code: use two letters, like GB or US."))
                address.pop("country")
            else:
                address["country"] = region = code
        if address:
            if "postcode" in address:
                address["postcode"] = " ".join(address["postcode"].upper().split())
            row.address = address
        for key, label, header in self._phones:
            if key in raw:
                number = self.phone(raw[key], region)
                if number is None:
                    problems.append((header, f"“{raw[key]}” does not look like a phone number."))
                elif all(number[0] != n for n, _, _ in row.phones):
                    row.phones.append((number[0], label, number[1]))
        if "birth_date" in raw:
            born = self.date(raw["birth_date"])
            if born is None:
                problems.append((self.header_of["birth_date"],
                                 f"“{raw['birth_date']}” is not a date: use YYYY-MM-DD, like 1980-03-31."))
            elif born > self.today:
                problems.append((self.header_of["birth_date"], "A birth date cannot be in the future."))
            elif kind == PERSON:
                values["birth_date"] = born
        for key, header in self._flags:
            if key in raw:
                word = fold(raw[key])
                if word in YES:
                    values[key] = True
                elif word in NO:
                    values[key] = False
                else:
                    problems.append((header, f"“{raw[key]}” is not yes or no."))
        if "email_opt_in" in raw:
            status = OPT_WORDS.get(fold(raw["email_opt_in"]).replace("_", " "), OPT_WORDS.get(
                raw["email_opt_in"].strip().lower()))
            if status is None:
                problems.append((self.header_of["email_opt_in"],
                                 f"“{raw['email_opt_in']}” is not an opt-in answer: use yes, no or unknown."))
            elif status != OPT_UNKNOWN:
                row.opt_in = status
        if "tags" in raw:
            names = (t[:60] for t in _SPLIT_LIST.split(raw["tags"]) if t)
            if self.values is not None:
                names = (self.values.tag(t) for t in names)
            row.tags = list(dict.fromkeys(names))
        for key, custom, kind_of, kinds, choices, by_lower, header in self._fields:
            if key in raw and kind in kinds:  # a field that does not apply to this kind of contact is left out
                try:
                    value = self._value(custom, kind_of, choices, by_lower, raw[key])
                except ValueError as error:
                    problems.append((header, f"“{raw[key]}”: {error}"))
                else:
                    if value is not None:
                        row.custom[custom.id] = value
        return row

    def _value(self, custom: CustomField, kind: str, choices: tuple, by_lower: dict, text: str):
        """`_custom` for a field that applies, with its type and choices read once."""
        if kind == "date":
            parsed = self.date(text)
            if parsed is None:
                raise ValueError("not a date: use YYYY-MM-DD.")
            return parsed
        if kind == "choice":
            text = by_lower.get(text.lower(), text)
            if text not in choices:
                chosen = self.values.choice(custom, text) if self.values is not None else None
                if chosen is None:
                    raise ValueError("not one of the choices (" + ", ".join(choices) + ").")
                return chosen  # an existing choice, or one the run adds to the field
        if kind == "multi_choice":
            items = [by_lower.get(i.lower(), i) for i in _SPLIT_LIST.split(text) if i]
            if self.values is not None:
                read = [i if i in choices else self.values.choice(custom, i) for i in items]
                if None not in read:  # every item known, mapped, or to be added to the field by the run
                    return ([c for c in choices if c in read]
                            + list(dict.fromkeys(i for i in read if i not in choices))) or None
                items = [r if r is not None else i for r, i in zip(read, items, strict=True)]
            return custom_fields.parse(custom, items)
        return custom_fields.parse(custom, text)
