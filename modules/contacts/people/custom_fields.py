"""Custom field VALUES on contacts: which fields a kind of contact has,
reading and writing their values, and checking a value against its type.

Administrators define the fields (`CustomField`) elsewhere; this file only
stores and reads `CustomValue` rows. A multiple-choice field has one row per
chosen option; every other field has at most one row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam

from app import audit
from app.extensions import db
from app.statements import built_once
from modules.contacts.models import Activity, Contact, CustomField, CustomValue

YES, NO = "yes", "no"


@built_once
def _statements():
    """The active fields and a contact's values of them: the contact page reads both."""
    active = (db.select(CustomField).where(CustomField.active.is_(True))
              .order_by(CustomField.position, CustomField.id))
    values = (db.select(CustomValue).where(CustomValue.contact_id == bindparam("contact_id"),
                                           CustomValue.field_id.in_(bindparam("field_ids", expanding=True)))
              .order_by(CustomValue.id))
    return active, values


def fields_for(kind: str) -> list[CustomField]:
    """Active fields that apply to `kind`, in their admin-chosen order."""
    rows = db.session.scalars(_statements()[0]).all()
    return [f for f in rows if kind in (f.kinds or [])]


def _python(field: CustomField, row: CustomValue):
    if field.type == "number":
        return row.value_number
    if field.type == "date":
        return row.value_date
    if field.type == "yes_no":
        return row.value_bool
    return row.value_text


def values_for(contact_id: int, fields: list[CustomField]) -> dict[int, object]:
    """`{field id: value}` for `fields` (one query). Multiple choice gives a list;
    a field without a value is absent."""
    by_id = {f.id: f for f in fields}
    if not by_id:
        return {}
    rows = db.session.scalars(_statements()[1], {"contact_id": contact_id, "field_ids": list(by_id)})
    values: dict[int, object] = {}
    for row in rows:
        field = by_id[row.field_id]
        value = _python(field, row)
        if field.type == "multi_choice":
            values.setdefault(field.id, []).append(value)
        elif value is not None:
            values[field.id] = value
    return values


def parse(field: CustomField, raw) -> object:
    """Check and convert a value typed or imported for `field`; None when empty.
    Raises ValueError with a message for people."""
    if field.type == "multi_choice":
        items = raw if isinstance(raw, (list, tuple)) else [p for p in str(raw or "").split(";")]
        items = [str(i).strip() for i in items if str(i).strip()]
        unknown = [i for i in items if i not in field.choices]
        if unknown:
            raise ValueError(f"Not one of the choices: {', '.join(unknown)}.")
        return [c for c in field.choices if c in items] or None
    if isinstance(raw, (Decimal, date, bool)):
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if field.type == "number":
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError("Enter a number, like 12 or 3.5.") from None
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            raise ValueError("Enter a number, like 12 or 3.5.")
        return number
    if field.type == "date":
        from app.forms import read_date

        return read_date(text)  # DateProblem (a ValueError) names what is wrong
    if field.type == "yes_no":
        lowered = text.lower()
        if lowered in ("yes", "y", "true", "1"):
            return True
        if lowered in ("no", "n", "false", "0"):
            return False
        raise ValueError("Answer yes or no.")
    if field.type == "choice":
        if text not in field.choices:
            raise ValueError("Choose one of the listed options.")
        return text
    limit = 10000 if field.type == "long_text" else 500
    if len(text) > limit:
        raise ValueError(f"Keep it under {limit} characters.")
    return text


def display(field: CustomField, value) -> str:
    """A value as text for the page and for change history."""
    if value is None or value == []:
        return ""
    if field.type == "yes_no":
        return "Yes" if value else "No"
    if field.type == "multi_choice":
        return ", ".join(value)
    if field.type == "date":
        return value.isoformat()
    if field.type == "number":
        return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return str(value)


def _row(field: CustomField, contact_id: int, value) -> CustomValue:
    row = CustomValue(contact_id=contact_id, field_id=field.id)
    if field.type == "number":
        row.value_number = value
    elif field.type == "date":
        row.value_date = value
    elif field.type == "yes_no":
        row.value_bool = value
    else:
        row.value_text = value
    return row


def save(contact: Contact, fields: list[CustomField], new: dict[int, object], *, user=None,
         record: bool = True) -> dict:
    """Store parsed values for `fields` (missing or None clears a value).
    Returns `{label: (old, new)}` as text; unless `record` is False, a change is
    audited and noted on the timeline."""
    old = values_for(contact.id, fields)
    changes = {}
    for field in fields:
        before, after = old.get(field.id), new.get(field.id)
        if after == []:
            after = None
        if display(field, before) == display(field, after):
            continue
        changes[field.label] = (display(field, before), display(field, after))
        db.session.execute(db.delete(CustomValue).where(CustomValue.contact_id == contact.id,
                                                         CustomValue.field_id == field.id))
        if after is not None:
            items = after if field.type == "multi_choice" else [after]
            db.session.add_all(_row(field, contact.id, item) for item in items)
    if changes and record:
        from modules.contacts.people.records import _actor

        user = user or _actor()
        audit.record(audit.UPDATE, contact, user=user, summary=f"Edited {contact.display_name}: custom fields",
                     changes=changes)
        db.session.add(Activity(contact_id=contact.id, kind="change", user_id=getattr(user, "id", None),
                                subject="Changed " + ", ".join(changes)[:190]))
    return changes
