"""Contacts' webhook events: what each payload holds (docs/webhooks.md).
Called inside the transaction of the change, from the module's signals."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.webhooks import Occurrence, emit
from app.webhooks.events import erased_data, wanted


def _iso(value):
    return value.isoformat() if value is not None else None


def contact_data(contact) -> dict:
    return {"id": contact.id, "contact_id": contact.id, "object": "contact", "kind": contact.kind,
            "display_name": contact.display_name, "first_name": contact.first_name,
            "last_name": contact.last_name, "organisation_name": contact.name, "email": contact.email,
            "phone": contact.phone, "city": contact.city, "postcode": contact.postcode,
            "country": contact.country, "email_opt_in": contact.email_opt_in,
            "created_at": _iso(contact.created_at), "updated_at": _iso(contact.updated_at)}


def created(contact, **_):
    return [Occurrence(contact.id, contact_data(contact), contact.id)]


def updated(contact, changes=None, **_):
    return [Occurrence(contact.id, {**contact_data(contact), "changed": sorted(changes or ())}, contact.id)]


def merged(survivor, merged=None, **_):
    data = {**contact_data(survivor), "merged_contact_id": getattr(merged, "id", None)}
    return [Occurrence(survivor.id, data, survivor.id)]


def erased(contact_id, **_):
    return [Occurrence(contact_id, erased_data(contact_id, contact_id), contact_id)]


def deleted(contact_ids, **_):
    return [Occurrence(cid, {**erased_data(cid, cid), "deleted": True}, cid) for cid in contact_ids]


def imported(created_ids: list[int], changed: list[tuple[int, dict]]) -> None:
    """An import writes its rows in bulk, past the signals; its events are
    sent from here, in the import's transaction: contact.created for each
    new contact and contact.updated (with what changed) for each matched one
    it changed. Nothing is read unless an endpoint wants the event."""
    from modules.contacts.models import Contact

    subscribed = wanted()
    for type_, pairs in (("contact.created", [(cid, None) for cid in created_ids]), ("contact.updated", changed)):
        if not pairs or type_ not in subscribed:
            continue
        changes = dict(pairs)
        contacts = db.session.scalars(select(Contact).where(Contact.id.in_(changes)).order_by(Contact.id)).all()
        emit(type_, [occurrence for contact in contacts
                     for occurrence in (created(contact) if type_ == "contact.created"
                                        else updated(contact, changes[contact.id]))])
