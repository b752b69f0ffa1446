"""The contacts module's own criteria for the filter builder.

Each criterion is a `hooks.FilterSpec`; `apply(op, value)` turns an operator
and the raw text value from the query string into a SQL condition on
`Contact`, or raises `ValueError` with a message for the person who wrote
the rule. Every condition is either a comparison on an indexed column of
`contacts_contact` or `Contact.id IN (SELECT contact_id ...)` through an
indexed link table, so the list stays fast whatever the filter.

`filters()` is called each time the builder is drawn: custom fields and
their choices come from the database, so a new field appears at once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_login import current_user
from sqlalchemy import and_, or_, select

from app import countries
from app.dates import day_start
from app.extensions import db
from app.ids import parse_id
from app.models import User
from app.statements import built_once
from modules.contacts.hooks import FilterSpec
from modules.contacts.models import (
    KINDS,
    OPT_IN,
    OPT_OUT,
    OPT_UNKNOWN,
    Contact,
    ContactAddress,
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
)

IS = {"is": "is", "is_not": "is not"}
RANGE = {"between": "between"}
YES_NO = (("yes", "Yes"), ("no", "No"))
KIND_LABELS = {"person": "Person", "household": "Household", "organisation": "Organisation"}
OPT_LABELS = {OPT_IN: "Opted in", OPT_OUT: "Opted out", OPT_UNKNOWN: "Not asked"}


# Values -------------------------------------------------------------------

def _text(value: str, what: str = "a value") -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(f"Enter {what}.")
    return value[:200]


ROW_ID_MAX = 2**31 - 1  # the id columns are INTEGER: 32 bits on PostgreSQL, which refuses to compare more


def _int(value: str, what: str) -> int:
    number = parse_id(value)
    if number is None or number > ROW_ID_MAX:
        raise ValueError(f"Choose {what}.")
    return number


def _choice(value: str, allowed, what: str) -> str:
    value = (value or "").strip()
    if value not in allowed:
        raise ValueError(f"Choose {what}.")
    return value


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"“{value[:40]}” is not a date (YYYY-MM-DD).") from None


def date_range(value: str) -> tuple[date | None, date | None]:
    """`2024-01-01..2024-06-30`, `2024-01-01..` or `..2024-06-30` (inclusive)."""
    start, sep, end = (value or "").partition("..")
    if not sep:
        start, end = value, value
    lo = parse_date(start) if start.strip() else None
    hi = parse_date(end) if end.strip() else None
    if lo is None and hi is None:
        raise ValueError("Enter a date to start from, to end at, or both.")
    if lo and hi and lo > hi:
        raise ValueError("The first date comes after the second.")
    return lo, hi


def _number(value: str) -> Decimal:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        raise ValueError(f"“{value[:40]}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{value[:40]}” is not a number.")
    return number


def _prefix(column, text: str):
    """`column` starts with `text`, as a range the column's index can serve
    (LIKE cannot use a plain index on SQLite or PostgreSQL)."""
    return and_(column >= text, column < text[:-1] + chr(ord(text[-1]) + 1))


def _negate(op: str, ids_select):
    return Contact.id.not_in(ids_select) if op.startswith("is_not") or op == "excludes" else Contact.id.in_(ids_select)


# Built-in criteria ------------------------------------------------------------

def _kind(op, value):
    kind = _choice(value, KINDS, "a kind of contact")
    return Contact.kind == kind if op == "is" else Contact.kind != kind


def _tag(op, value):
    tag_id = _int(value, "a tag")
    tagged = select(ContactTag.contact_id).where(ContactTag.tag_id == tag_id)
    return _negate(op, tagged)


def _tag_choices():
    return [(str(t.id), t.name) for t in db.session.scalars(select(Tag).order_by(Tag.name))]


def _owner(op, value):
    if op == "none":
        return Contact.owner_id.is_(None)
    if (value or "").strip() == "me":
        owner_id = getattr(current_user, "id", None)
        if owner_id is None:
            raise ValueError("“Me” needs a signed-in user.")
    else:
        owner_id = _int(value, "a person")
    if op == "is":
        return Contact.owner_id == owner_id
    return or_(Contact.owner_id != owner_id, Contact.owner_id.is_(None))


def _owner_choices():
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name).limit(500))
    return [("me", "Me"), *((str(u.id), u.name) for u in users)]


def _variants(text: str) -> set[str]:
    # The city column is indexed as typed; matching the usual spellings keeps
    # the index in use where lower() would not.
    return {text, text.lower(), text.upper(), text.title(), text.capitalize()}


def _city(op, value):
    city = _text(value, "a town or city")
    match = Contact.city.in_(_variants(city))
    return match if op == "is" else or_(~match, Contact.city.is_(None))


def _postcode(op, value):
    code = _text(value, "a postcode").upper()
    match = _prefix(Contact.postcode, code) if op == "starts" else Contact.postcode == code
    return match


def _country(op, value):
    code = (value or "").strip().upper()
    if code not in countries.names():
        raise ValueError("Choose a country from the list.")
    return Contact.country == code if op == "is" else or_(Contact.country != code, Contact.country.is_(None))


def _has_email(op, _value):
    has = and_(Contact.email.is_not(None), Contact.email != "")
    return has if op == "yes" else ~has


def _has_address(op, _value):
    """Has a postal address (a row in contacts_address): the reports' data-quality drill-down."""
    has = select(ContactAddress.id).where(ContactAddress.contact_id == Contact.id).exists()
    return has if op == "yes" else ~has


def _source(op, value):
    """Where the contact came from (`Contact.source`, as typed; empty: none recorded)."""
    text = (value or "").strip()[:100]
    match = Contact.source == text
    return match if op == "is" else Contact.source != text


def _opt_in(op, value):
    status = _choice(value, OPT_LABELS, "an opt-in status")
    return Contact.email_opt_in == status if op == "is" else Contact.email_opt_in != status


def _dates(column):
    def apply(_op, value):
        lo, hi = date_range(value)
        conditions = []
        if lo:
            conditions.append(column >= day_start(lo))
        if hi:
            conditions.append(column < day_start(hi + timedelta(days=1)))
        return and_(*conditions)

    return apply


def _relationship(op, value):
    raw = _text(value, "a kind of relationship")
    side = raw[-1] if raw[-1] in "ab" else ""
    type_id = _int(raw.rstrip("ab"), "a kind of relationship")
    by_type = Relationship.type_id == type_id
    sides = {"a": [Relationship.contact_a_id], "b": [Relationship.contact_b_id]}.get(
        side, [Relationship.contact_a_id, Relationship.contact_b_id])
    related = select(sides[0]).where(by_type)
    if len(sides) == 2:
        related = related.union(select(sides[1]).where(by_type))
    return Contact.id.in_(related) if op == "has" else Contact.id.not_in(related)


def _relationship_choices():
    choices = []
    for t in db.session.scalars(select(RelationshipType).order_by(RelationshipType.a_to_b)):
        if t.a_to_b == t.b_to_a:
            choices.append((str(t.id), t.a_to_b))
        else:
            choices += [(f"{t.id}a", t.a_to_b), (f"{t.id}b", t.b_to_a)]
    return choices


# Custom fields -----------------------------------------------------------------

def _custom(field) -> FilterSpec:
    """The criterion of a custom field (a row with id, key, label, type, choices)."""
    field_id, kind = field.id, field.type

    def values(*conditions):
        return select(CustomValue.contact_id).where(CustomValue.field_id == field_id, *conditions)

    def apply(op, value):
        if op == "set":
            return Contact.id.in_(values())
        if op == "not_set":
            return Contact.id.not_in(values())
        if kind in ("text", "long_text"):
            text = _text(value)
            condition = (_prefix(CustomValue.value_text, text) if op == "starts"
                         else CustomValue.value_text == text)
            return Contact.id.in_(values(condition))
        if kind == "number":
            number = _number(value)
            column = CustomValue.value_number
            condition = {"eq": column == number, "gt": column > number, "lt": column < number}[op]
            return Contact.id.in_(values(condition))
        if kind == "date":
            lo, hi = date_range(value)
            conditions = []
            if lo:
                conditions.append(CustomValue.value_date >= lo)
            if hi:
                conditions.append(CustomValue.value_date <= hi)
            return Contact.id.in_(values(*conditions))
        if kind == "yes_no":
            answer = _choice(value, ("yes", "no"), "yes or no")
            chosen = values(CustomValue.value_bool.is_(True))
            return Contact.id.in_(chosen) if answer == "yes" else Contact.id.not_in(chosen)
        # choice / multi_choice: one row per chosen value
        option = _choice(value, field.choices or [], "one of the choices")
        return _negate(op, values(CustomValue.value_text == option))

    ops = {
        "text": {"is": "is", "starts": "starts with"},
        "long_text": {"is": "is", "starts": "starts with"},
        "number": {"eq": "=", "gt": ">", "lt": "<"},
        "date": dict(RANGE),
        "yes_no": {"is": "is"},
        "choice": dict(IS),
        "multi_choice": {"includes": "includes", "excludes": "does not include"},
    }.get(kind, {"is": "is"})
    ops.update({"set": "has a value", "not_set": "has no value"})
    inputs = {"number": "number", "date": "date_range", "yes_no": "choice", "choice": "choice",
              "multi_choice": "choice"}
    options = list(YES_NO) if kind == "yes_no" else [(c, c) for c in field.choices or []]
    return FilterSpec(key=f"cf_{field.key}", label=field.label, ops=ops, apply=apply,
                      input=inputs.get(kind, "text"),
                      choices=(lambda: options) if inputs.get(kind) == "choice" else None,
                      group="Custom fields")


@built_once
def _fields_query():
    # Only what a criterion needs, as plain rows: this runs on every list
    # request (entities cost ~2x the CPU).
    return (select(CustomField.id, CustomField.key, CustomField.label, CustomField.type, CustomField.choices)
            .where(CustomField.active.is_(True)).order_by(CustomField.position, CustomField.id))


def custom_field_specs() -> list[FilterSpec]:
    return [_custom(f) for f in db.session.execute(_fields_query())]


def filters() -> list[FilterSpec]:
    """Every criterion the contacts module offers, custom fields included."""
    return [
        FilterSpec("kind", "Kind", dict(IS), _kind, "choice", lambda: list(KIND_LABELS.items())),
        FilterSpec("tag", "Tag", dict(IS), _tag, "choice", _tag_choices),
        FilterSpec("owner", "Owner", {**IS, "none": "is nobody"}, _owner, "choice", _owner_choices),
        FilterSpec("city", "Town or city", dict(IS), _city),
        FilterSpec("postcode", "Postcode", {"starts": "starts with", "is": "is"}, _postcode),
        FilterSpec("country", "Country", dict(IS), _country, "choice", lambda: list(countries.names().items())),
        FilterSpec("has_email", "Email address", {"yes": "is present", "no": "is missing"}, _has_email, "none"),
        FilterSpec("has_address", "Postal address", {"yes": "is present", "no": "is missing"}, _has_address,
                   "none"),
        FilterSpec("source", "Source", dict(IS), _source),
        FilterSpec("opt_in", "Email opt-in", dict(IS), _opt_in, "choice", lambda: list(OPT_LABELS.items())),
        FilterSpec("created", "Added", dict(RANGE), _dates(Contact.created_at), "date_range"),
        FilterSpec("updated", "Last changed", dict(RANGE), _dates(Contact.updated_at), "date_range"),
        FilterSpec("relationship", "Relationship", {"has": "has", "not": "has no"}, _relationship, "choice",
                   _relationship_choices),
        *custom_field_specs(),
    ]

