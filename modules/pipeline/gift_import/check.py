"""Reading one row of a gift file: its values, what is wrong with it, and
which contact gave it (one IN query per chunk, via the contacts matcher)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app import currencies, settings
from modules.contacts.importer import matching, unknown_values
from modules.pipeline.gift_import import closed_lists
from modules.pipeline.models import PAYMENT_METHODS
from modules.pipeline.money import AmountError, parse_amount

MATCH_RULES = {"email": "By email", "name_postcode": "By name and postcode"}
METHOD_WORDS = {
    **{k: k for k in PAYMENT_METHODS}, **{v.lower(): k for k, v in PAYMENT_METHODS.items()},
    "check": "cheque", "chq": "cheque", "credit card": "card", "debit card": "card", "visa": "card",
    "mastercard": "card", "amex": "card", "transfer": "bank", "bank": "bank", "wire": "bank", "bacs": "bank",
    "eft": "bank", "ach": "bank", "dd": "direct_debit", "direct debit": "direct_debit", "standing order": "bank",
    "paypal": "online", "stripe": "online", "web": "online", "shares": "stock", "securities": "stock",
}
YES = {"yes", "y", "true", "1", "x", "anonymous"}
NO = {"", "no", "n", "false", "0"}
_TEXT_DATES = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")


@dataclass
class GiftRow:
    """One data row: `line` as a spreadsheet numbers it, `cells` as read."""

    line: int
    cells: list[str]
    values: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    contact_id: int | None = None
    # What the contacts matcher reads (see modules/contacts/importer/matching.py).
    kind: str = "person"
    emails: list[str] = field(default_factory=list)
    address: dict = field(default_factory=dict)


class Lookups:
    """The closed lists (funds, appeals, payment methods) read once per run,
    the choices made for values they do not know, and a tally of those
    values as rows are read."""

    def __init__(self, choices: dict | None = None):
        self.lists = closed_lists.read()
        self.choices = choices or {}
        self.tally = unknown_values.Tally()
        self.month_first = (settings.get("core", "locale") or "en_US").replace("-", "_") in ("en_US", "en_PH")

    def unknowns(self) -> list[unknown_values.Unknown]:
        return self.tally.unknowns([self.lists[k] for k in closed_lists.KEYS], self.choices)


def parse_date(text: str, month_first: bool) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})", text)
    if m:
        a, b, c = (int(x) for x in m.groups())
        if a > 31:  # 2026/03/01
            year, month, day = a, b, c
        else:
            year = c + 2000 if c < 100 else c
            if a > 12:
                day, month = a, b
            elif b > 12:
                month, day = a, b
            else:
                month, day = (a, b) if month_first else (b, a)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    cleaned = text.replace(",", "")
    for pattern in _TEXT_DATES:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def read_row(line: int, cells: list[str], headers: list[str], mapping: dict[str, str], lookups: Lookups) -> GiftRow:
    row = GiftRow(line, cells)
    raw = {}
    for index, header in enumerate(headers):
        key = mapping.get(header)
        if key and index < len(cells):
            raw[key] = cells[index].strip()
    v, problems = row.values, row.problems
    try:
        v["amount"] = parse_amount(raw.get("amount", ""))
    except AmountError as error:
        problems.append(f"Amount: {error}")
    code = raw.get("currency", "").upper()
    if code and not currencies.is_currency(code):
        problems.append(f"Currency: “{raw['currency']}” is not a currency code; write an ISO 4217 code "
                        "like USD, EUR or GBP.")
    elif code:
        v["currency"] = code
    day = parse_date(raw.get("received_on", ""), lookups.month_first)
    if day is None:
        problems.append("Date: enter it like 2026-03-01." if raw.get("received_on") else "Date: missing.")
    elif day > date.today() + timedelta(days=366):
        problems.append("Date: more than a year in the future.")
    else:
        v["received_on"] = day
    for key in closed_lists.KEYS:
        text = raw.get(key, "")
        if text:
            _closed_value(row, key, text, lookups)
    anonymous = raw.get("anonymous", "").lower()
    if anonymous in YES:
        v["anonymous"] = True
    elif anonymous not in NO:
        problems.append(f"Anonymous: write yes or no, not “{raw.get('anonymous')}”.")
    v["reference"] = raw.get("reference", "")[:100]
    v["notes"] = raw.get("notes", "")[:5000]
    row.values["donor"] = {k: raw.get(k, "") for k in ("email", "first_name", "last_name", "postcode")}
    email = raw.get("email", "").lower()
    row.emails = [email] if email else []
    row.address = {"postcode": raw.get("postcode", "")}
    row.values["first_name"], row.values["last_name"] = raw.get("first_name", ""), raw.get("last_name", "")
    row.values["name"] = ""
    return row


def _closed_value(row: GiftRow, key: str, text: str, lookups: Lookups) -> None:
    """A fund, appeal or payment method: known, mapped by the user's choice,
    to be created (`new_<key>`: the run creates it), or a problem."""
    closed = lookups.lists[key]
    found = unknown_values.resolve(closed, text, lookups.choices)
    if found is None or found[0] != "known":
        lookups.tally.add(closed, text)
    if found is None:
        row.problems.append(closed_lists.not_known(closed, text))
        return
    how, value = found
    name = "payment_method" if key == "payment_method" else f"{key}_id"
    if how == "create":
        row.values[f"new_{key}"] = text
    else:
        row.values[name] = value if key == "payment_method" else int(value)


def match_donors(rows: list[GiftRow], rule: str) -> None:
    """Set `contact_id` on rows whose donor is an existing live contact."""
    found = matching.existing(rows, rule)
    for index, contact_id in found.items():
        rows[index].contact_id = contact_id


def donor_label(row: GiftRow) -> str:
    d = row.values.get("donor", {})
    name = " ".join(p for p in (d.get("first_name"), d.get("last_name")) if p)
    return ", ".join(p for p in (name, d.get("email"), d.get("postcode")) if p) or "no donor details"


def can_create(row: GiftRow) -> bool:
    d = row.values.get("donor", {})
    return bool(d.get("first_name") or d.get("last_name"))
