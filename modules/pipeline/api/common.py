"""What the pipeline's API resources share: money as two-decimal strings,
a body checked by the page's form, service errors as 422 problems."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from app.api import problems
from app.extensions import db
from modules.contacts.models import Contact


def money(**kwargs) -> ma.fields.Decimal:
    """An amount: sent as a string with two decimals ("12.50"); a number or a
    string is read (exactly, as a Decimal: never a float)."""
    metadata = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$",
                "description": "An amount, as a string with two decimals: \"12.50\".",
                **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(places=None, as_string=True, allow_nan=False, metadata=metadata, **kwargs)


def cents(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def posted(values: dict) -> MultiDict:
    """Form data from API values: booleans as a ticked box (or absent), None
    as empty, a Decimal kept as it is (the amount field reads it exactly,
    whatever the organisation's locale)."""
    out = MultiDict()
    for name, value in values.items():
        if value is True:
            out.add(name, "y")
        elif value is False or value is None:
            if value is None:
                out.add(name, "")
        elif isinstance(value, Decimal):
            out.add(name, value)
        else:
            out.add(name, str(value))
    return out


def check(form) -> None:
    """Validate `form` (built with `meta={"csrf": False}`), or stop with a 422
    naming every field at fault, in the form's own words."""
    if not form.validate():
        problems.invalid({name: list(errors) for name, errors in form.errors.items()})


def service_error(error) -> None:
    """A GiftError/OpportunityError as a 422 naming its field."""
    problems.invalid({getattr(error, "field", None) or "body": [str(error)]})


def live_contact(contact_id, field: str = "contact_id") -> Contact:
    contact = db.session.get(Contact, contact_id) if isinstance(contact_id, int) else None
    if contact is None or contact.deleted_at is not None:
        problems.invalid({field: [f"There is no contact {contact_id}."]})
    return contact


def row_id(**kwargs) -> ma.fields.Integer:
    """A row's id in a body: within what every database's INTEGER holds."""
    from app.api.ids import ROW_ID_MAX

    return ma.fields.Integer(validate=ma.validate.Range(1, ROW_ID_MAX), **kwargs)
