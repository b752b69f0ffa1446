"""Contacts' webhook events: what each payload holds (docs/webhooks.md).
Called inside the transaction of the change, from the module's signals."""

from __future__ import annotations

from app.webhooks import Occurrence
from app.webhooks.events import erased_data


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
