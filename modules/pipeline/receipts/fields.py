"""The merge fields of receipt templates, built from the records as plain
dicts and lists of strings (the sandbox sees nothing but these, never a
model object), and documented once in FIELDS for the editor and the docs.

Statement rule: a year-end statement lists the gifts the donor paid
(`Gift.contact_id`) with `received_on` in the calendar year. Soft credits
are recognition, not payment, so they never appear on anyone's statement.
In-kind gifts are listed with their description but without a value, and
are left out of the total: the organisation acknowledges what it received,
and valuing goods is for the donor (as the IRS and HMRC rules have it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from app import countries, settings
from modules.contacts.people import addressing
from modules.pipeline.models import PAYMENT_METHODS, TRIBUTE_KINDS
from modules.pipeline.money import format_money
from modules.pipeline.receipts import options

ANONYMOUS = "a friend who asked to remain anonymous"
NOT_NUMBERED = "(numbered when the letter is produced)"  # a preview's receipt number, for a gift without one

# (name, what it holds, example); grouped, with the kinds that have each group.
FIELDS: list[tuple[str, tuple[str, ...], list[tuple[str, str, str]]]] = [
    ("org", ("thank_you", "statement", "tribute"), [
        ("org.name", "Organisation name (Admin → Organisation)", "Riverside Food Bank"),
        ("org.address_lines", "Its postal address, a list of lines (receipt settings)", "['12 Mill Lane', ...]"),
        ("org.address", "The same address on one line, comma separated", "12 Mill Lane, Riverside"),
        ("org.registration", "Charity or tax registration number (receipt settings)", "Charity no. 1234567"),
        ("org.signature", "Who signs the letters (receipt settings)", "Jo Smith, Director"),
        ("org.tax_statement", "The tax wording for the organisation's country (Admin → Organisation)",
         "No goods or services were provided in exchange for this gift. ..."),
    ]),
    ("donor", ("thank_you", "statement", "tribute"), [
        ("donor.name", "Name of the donor (their addressee when one is set on the contact)", "Dr Grace Hopper"),
        ("donor.first_name", "First (or preferred) name; the name for households and organisations",
         "Grace"),
        ("donor.last_name", "Last name", "Hopper"),
        ("donor.salutation", "How to greet them, after “Dear”: the greeting set on the contact, else the first "
                             "name; a household's members' first names; an organisation's primary contact, "
                             "or “friends at …”", "Grace"),
        ("donor.addressee", "The name above the postal address: the addressee set on the contact, else their "
                            "name; “Grace Hopper, Acme Ltd” for an organisation with a primary contact",
         "Dr Grace Hopper"),
        ("donor.address_lines", "Postal address, a list of lines; the country by its name, left off at home",
         "['1 Navy Way', 'Arlington VA 22201']"),
        ("donor.email", "Primary email address", "grace@example.org"),
    ]),
    ("gift", ("thank_you", "tribute"), [
        ("gift.amount", "Amount with its currency symbol", "$250.00"),
        ("gift.date", "Date received", "14 March 2026"),
        ("gift.fund", "The fund as letters name it (the fund's “In letters” wording, else its name)",
         "our scholarship programme"),
        ("gift.fund_name", "The fund's name", "Scholarships"),
        ("gift.appeal", "Appeal or campaign", "Spring appeal"),
        ("gift.payment_method", "Cash, Cheque, Card, ...", "Cheque"),
        ("gift.reference", "Cheque number or payment reference", "100234"),
        ("gift.in_kind", "True for a gift of goods or services", "False"),
        ("gift.in_kind_description", "What was given in kind", "Twelve boxes of tinned food"),
        ("gift.tribute", "The tribute in words, or empty", "in memory of Walter Hopper"),
        ("gift.tribute_name", "The person the tribute is for", "Walter Hopper"),
        ("gift.number", "The gift's number in Steward", "1042"),
        ("gift.receipt_number", "The thank-you letter's receipt number: sequential in the year the gift was "
                                "received, never reused, the same on every copy", "2026-000042"),
    ]),
    ("notify", ("tribute",), [
        ("notify.name", "The person told about the tribute", "Mary Hopper"),
        ("notify.salutation", "How to greet them", "Mary"),
        ("notify.addressee", "The name above their postal address", "Mary Hopper"),
        ("notify.address_lines", "Their postal address, a list of lines", "['3 Elm Street', ...]"),
    ]),
    ("statement", ("statement",), [
        ("statement.year", "The calendar year", "2026"),
        ("statement.gifts", "The donor's gifts in the year, oldest first; each has date, amount, fund (as "
                            "letters name it), fund_name, in_kind, description, reference (amount is empty for "
                            "in-kind gifts)", "…"),
        ("statement.total", "Total of the gifts of money (in-kind gifts and soft credits not included)",
         "$1,250.00"),
        ("statement.count", "How many gifts are listed", "5"),
        ("statement.has_in_kind", "True when in-kind gifts are listed (they have no value here)", "False"),
    ]),
    ("today", ("thank_you", "statement", "tribute"), [
        ("today", "Today's date", "22 November 2026"),
    ]),
]


def names_for(kind: str) -> set[str]:
    """The top-level names a template of `kind` may use."""
    return {group for group, kinds, _ in FIELDS if kind in kinds}


def org() -> dict:
    lines = options.org_address_lines()
    return {"name": settings.get("core", "org_name") or "", "address_lines": lines, "address": ", ".join(lines),
            "registration": options.get("receipts_registration"), "signature": options.get("receipts_signature"),
            "tax_statement": options.tax_statement()}


def _primary_address(contact):
    rows = list(contact.addresses or [])
    return next((a for a in rows if a.is_primary), rows[0] if rows else None)


def address_lines(contact) -> list[str]:
    """The postal block under the name: street lines, "city region postcode",
    the country by its name in the organisation's locale ("Allemagne" for a
    French organisation)."""
    address = _primary_address(contact)
    if address is None:
        return []
    # The country line is left off at home (contacts' default country, or
    # the region of the organisation's locale).
    home = (settings.get("contacts", "default_country") or options.home_region()).upper()
    town = " ".join(p for p in (address.city, address.region, address.postcode) if p)
    lines = [address.line1, address.line2, town]
    if address.country and address.country.upper() != home:
        lines.append(countries.local_name(address.country))
    return [line.strip() for line in lines if line and line.strip()]


def person(contact) -> dict:
    """Name, greeting, addressee, address and email of a contact, by the
    rules of contacts' people/addressing.py (the contact's own greeting and
    addressee win). An organisation without an address of its own is
    written to at its primary contact's."""
    how = addressing.of(contact)
    if contact.kind == "person":
        first = (contact.preferred_name or contact.first_name or "").strip()
        last = (contact.last_name or "").strip()
    else:
        first = last = ""
    lines = address_lines(contact)
    if not lines and how.via is not None:
        lines = address_lines(how.via)
    name = (contact.addressee or "").strip() or contact.display_name
    return {"name": name, "first_name": first or contact.display_name, "last_name": last,
            "salutation": how.salutation, "addressee": how.addressee, "address_lines": lines,
            "email": contact.email or ""}


def tribute_text(gift) -> str:
    if not gift.tribute_kind or not gift.tribute_name:
        return ""
    return f"{TRIBUTE_KINDS.get(gift.tribute_kind, '').lower()} {gift.tribute_name}".strip()


def receipt_number(g) -> str:
    """The gift's receipt number, or "" before its first thank-you letter (receipts/numbers.py)."""
    return g.receipt.text if g.receipt is not None else ""


def gift(g) -> dict:
    return {"amount": format_money(g.amount, g.currency), "date": options.long_date(g.received_on),
            "fund": g.fund.letter_wording if g.fund else "", "fund_name": g.fund.name if g.fund else "",
            "appeal": g.appeal.name if g.appeal else "", "receipt_number": receipt_number(g),
            "payment_method": PAYMENT_METHODS.get(g.payment_method, g.payment_method or ""),
            "reference": g.reference or "", "in_kind": bool(g.in_kind),
            "in_kind_description": g.in_kind_description or "", "tribute": tribute_text(g),
            "tribute_name": g.tribute_name or "", "number": str(g.id)}


def statement(year: int, gifts: list) -> dict:
    """`gifts` are the donor's own gifts in `year` (see the rule above)."""
    rows, totals = [], defaultdict(Decimal)
    for g in sorted(gifts, key=lambda g: (g.received_on, g.id)):
        if not g.in_kind:
            totals[g.currency] += g.amount
        rows.append({"date": options.long_date(g.received_on),
                     "amount": "" if g.in_kind else format_money(g.amount, g.currency),
                     "fund": g.fund.letter_wording if g.fund else "", "fund_name": g.fund.name if g.fund else "",
                     "in_kind": bool(g.in_kind),
                     "description": g.in_kind_description if g.in_kind else "", "reference": g.reference or ""})
    total = " + ".join(format_money(amount, currency) for currency, amount in sorted(totals.items()))
    if not totals:
        from modules.pipeline.gifts import default_currency

        total = format_money(Decimal("0"), default_currency())
    return {"year": year, "gifts": rows, "total": total, "count": len(rows),
            "has_in_kind": any(r["in_kind"] for r in rows)}


def today_text(today: date) -> str:
    return options.long_date(today)


def thank_you(g, today: date) -> dict:
    return {"org": org(), "donor": person(g.contact), "gift": gift(g), "today": today_text(today)}


def tribute(g, today: date) -> dict:
    donor = person(g.contact)
    if g.anonymous:
        donor = {**donor, "name": ANONYMOUS, "first_name": ANONYMOUS, "last_name": "", "address_lines": [],
                 "email": "", "salutation": ANONYMOUS, "addressee": ANONYMOUS}
    return {"org": org(), "donor": donor, "gift": gift(g), "notify": person(g.tribute_notify),
            "today": today_text(today)}


def year_statement(contact, year: int, gifts: list, today: date) -> dict:
    return {"org": org(), "donor": person(contact), "statement": statement(year, gifts), "today": today_text(today)}


def sample(kind: str, today: date) -> dict:
    """Made-up values for previewing a template without a real gift."""
    donor = {"name": "Dr Grace Hopper", "first_name": "Grace", "last_name": "Hopper", "salutation": "Grace",
             "addressee": "Dr Grace Hopper", "address_lines": ["1 Navy Way", "Arlington VA 22201"],
             "email": "grace@example.org"}
    g = {"amount": "$250.00", "date": options.long_date(date(today.year, 3, 14)),
         "fund": "our scholarship programme", "fund_name": "Scholarships", "appeal": "Spring appeal",
         "payment_method": "Cheque", "reference": "100234", "in_kind": False, "in_kind_description": "",
         "tribute": "in memory of Walter Hopper", "tribute_name": "Walter Hopper", "number": "1042",
         "receipt_number": f"{today.year}-000042"}
    context = {"org": org(), "donor": donor, "today": today_text(today)}
    if kind in ("thank_you", "tribute"):
        context["gift"] = g
    if kind == "tribute":
        context["notify"] = {"name": "Mary Hopper", "first_name": "Mary", "last_name": "Hopper",
                             "salutation": "Mary", "addressee": "Mary Hopper",
                             "address_lines": ["3 Elm Street", "Arlington VA 22202"],
                             "email": "mary@example.org"}
    if kind == "statement":
        rows = [{"date": options.long_date(date(today.year, m, 1)), "amount": a, "fund": "where it is needed most",
                 "fund_name": "General fund", "in_kind": False, "description": "", "reference": ""}
                for m, a in ((1, "$100.00"), (4, "$250.00"), (9, "$150.00"))]
        rows.append({"date": options.long_date(date(today.year, 11, 2)), "amount": "",
                     "fund": "where it is needed most", "fund_name": "General fund",
                     "in_kind": True, "description": "Twelve boxes of tinned food", "reference": ""})
        context["statement"] = {"year": today.year, "gifts": rows, "total": "$500.00", "count": len(rows),
                                "has_in_kind": True}
    return context
