"""Creating, changing and deleting contacts: the logic views, imports, the
CLI and other modules share. Every change is audited, appears on the
timeline, and keeps the derived columns and the search index in step."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import String, bindparam, cast, literal, null, union_all
from sqlalchemy.orm import joinedload, selectinload

from app import audit
from app.extensions import db
from app.models.base import utcnow
from app.statements import built_once
from modules.contacts import signals
from modules.contacts.lists import search
from modules.contacts.models import (
    HOUSEHOLD,
    KINDS,
    ORGANISATION,
    PERSON,
    Activity,
    ConsentEntry,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Tag,
)

PERSON_FIELDS = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name",
                 "birth_date", "pronouns", "preferred_language", "household_id")
COMMON_FIELDS = ("notes", "source", "owner_id", "do_not_email", "do_not_phone", "do_not_mail", "salutation",
                 "addressee")
GROUP_FIELDS = ("name",)
LABELS = {
    "first_name": "first name", "middle_name": "middle name", "last_name": "last name",
    "preferred_name": "preferred name", "birth_date": "birth date", "preferred_language": "language",
    "household_id": "household", "owner_id": "owner", "do_not_email": "do not email",
    "do_not_phone": "do not phone", "do_not_mail": "do not mail", "email_opt_in": "email opt-in",
}


@dataclass
class Details:
    """The repeating parts of a contact as a form or an import gives them."""

    emails: list[dict] = field(default_factory=list)  # {"email", "label", "is_primary"}
    phones: list[dict] = field(default_factory=list)  # {"number", "label", "is_primary"}
    addresses: list[dict] = field(default_factory=list)  # address columns + label, is_primary


def load(contact_id: int, *, deleted: bool = False) -> Contact | None:
    """A contact with its emails, phones, addresses and tags (one query each)."""
    query = db.select(Contact).where(Contact.id == contact_id).options(
        selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses),
        selectinload(Contact.tags))
    contact = db.session.scalar(query)
    if contact is None or (contact.deleted_at is not None and not deleted):
        return None
    return contact


@dataclass(frozen=True)
class Shown:
    """A contact's emails, phones, addresses and tags as its page shows them:
    plain rows with the attributes of ContactEmail, ContactPhone,
    ContactAddress and Tag that the page reads, in the order of the contact's
    own collections."""

    emails: list
    phones: list
    addresses: list
    tags: list


@dataclass(frozen=True)
class ShownRow:
    id: int
    label: str = ""
    is_primary: bool = False
    email: str = ""
    number: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    name: str = ""  # a tag's
    colour: str = ""


@built_once
def _page_statements():
    """The contact page's statements: the contact with its household, its
    emails, phones and addresses as one union, its tags."""
    contact_id = bindparam("contact_id")
    text = lambda: cast(null(), String)  # noqa: E731 (a typed NULL for the columns a table lacks)
    E, P, A = ContactEmail, ContactPhone, ContactAddress
    details = union_all(
        db.select(literal("emails").label("kind"), E.id, E.label, E.is_primary, E.email.label("value"),
                  text(), text(), text(), text(), text()).where(E.contact_id == contact_id),
        db.select(literal("phones"), P.id, P.label, P.is_primary, P.number, text(), text(), text(), text(),
                  text()).where(P.contact_id == contact_id),
        db.select(literal("addresses"), A.id, A.label, A.is_primary, A.line1, A.line2, A.city, A.region,
                  A.postcode, A.country).where(A.contact_id == contact_id),
    ).order_by("kind", "id")
    tags = (db.select(Tag.id, Tag.name, Tag.colour).join(ContactTag, ContactTag.tag_id == Tag.id)
            .where(ContactTag.contact_id == contact_id).order_by(Tag.name))
    contact = db.select(Contact).where(Contact.id == contact_id).options(joinedload(Contact.household))
    return contact, details, tags


def _shown(contact_id: int) -> Shown:
    """Emails, phones and addresses in one query, tags in another (four ORM
    loads cost the page more than the rest of its contact queries)."""
    _, details, tags = _page_statements()
    params = {"contact_id": contact_id}
    out: dict[str, list] = {"emails": [], "phones": [], "addresses": []}
    for kind, id_, label, primary, value, line2, city, region, postcode, country in \
            db.session.execute(details, params):
        if kind == "emails":
            row = ShownRow(id_, label, primary, email=value)
        elif kind == "phones":
            row = ShownRow(id_, label, primary, number=value)
        else:
            row = ShownRow(id_, label, primary, line1=value, line2=line2, city=city, region=region,
                           postcode=postcode, country=country)
        out[kind].append(row)
    return Shown(**out, tags=[ShownRow(id_, name=name, colour=colour)
                              for id_, name, colour in db.session.execute(tags, params)])


def load_page(contact_id: int) -> tuple[Contact, Shown] | None:
    """A live contact for its page, which only reads it: its household joined
    in, then `Shown` rows of its details and tags (three queries in all).
    Changes load the contact with `load`."""
    contact = db.session.scalar(_page_statements()[0], {"contact_id": contact_id})
    if contact is None or contact.deleted_at is not None:
        return None
    return contact, _shown(contact_id)


def names(contact: Contact) -> tuple[str, str]:
    """(display name, sort key)."""
    if contact.kind != PERSON:
        name = (contact.name or "").strip() or "(no name)"
        return name, search.fold(name)
    prefix, first, middle, last, suffix, preferred = (
        (getattr(contact, f) or "").strip()
        for f in ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name"))
    display = " ".join(p for p in (prefix, preferred or first, last, suffix) if p) or "(no name)"
    key = " ".join(p for p in (last, first, middle) if p)
    return display, search.fold(key or display)


def _primary(rows):
    return next((r for r in rows if r.is_primary), rows[0] if rows else None)


def refresh_derived(contact: Contact) -> None:
    contact.display_name, contact.sort_name = names(contact)
    email, phone, address = _primary(contact.emails), _primary(contact.phones), _primary(contact.addresses)
    contact.email = email.email if email else None
    contact.phone = phone.number if phone else None
    contact.city = (address.city or None) if address else None
    contact.postcode = (address.postcode.upper() or None) if address else None
    contact.country = (address.country.upper() or None) if address else None


def _one_primary(rows) -> None:
    if rows and not any(r.is_primary for r in rows):
        rows[0].is_primary = True
    seen = False
    for row in rows:
        row.is_primary, seen = (row.is_primary and not seen), seen or row.is_primary


def _replace(collection, model, rows: list[dict], key: str) -> str | None:
    """Make `collection` hold `rows`; a short description when it changed."""
    before = [(getattr(r, key), r.label, r.is_primary) for r in collection]
    collection.clear()
    for row in rows:
        collection.append(model(**row))
    _one_primary(collection)
    after = [(getattr(r, key), r.label, r.is_primary) for r in collection]
    if before != after:
        return ", ".join(str(v[0]) for v in after) or "none"
    return None


def _lower_emails(rows: list[dict]) -> list[dict]:
    """Emails are stored lower-cased, whoever gives them (a form, the API), so
    that `existing` and the duplicates finder match them by the index."""
    return [{**row, "email": (row.get("email") or "").strip().lower()} for row in rows]


def _address_text(row: ContactAddress) -> str:
    return ", ".join(p for p in (row.line1, row.line2, row.city, row.region, row.postcode, row.country) if p)


def apply(contact: Contact, values: dict, details: Details | None) -> dict:
    """Set fields and details; returns `{field: (old, new)}` of what changed."""
    allowed = set(COMMON_FIELDS) | set(PERSON_FIELDS if contact.kind == PERSON else GROUP_FIELDS)
    changes = audit.diff(contact, {k: v for k, v in values.items() if k in allowed})
    if details is not None:
        for label, collection, model, rows, key in (
            ("emails", contact.emails, ContactEmail, _lower_emails(details.emails), "email"),
            ("phones", contact.phones, ContactPhone, details.phones, "number"),
        ):
            described = _replace(collection, model, rows, key)
            if described is not None:
                changes[label] = ("", described)
        before = [_address_text(a) for a in contact.addresses]
        _replace(contact.addresses, ContactAddress, details.addresses, "line1")
        after = [_address_text(a) for a in contact.addresses]
        if before != after:
            changes["addresses"] = ("; ".join(before), "; ".join(after))
    refresh_derived(contact)
    return changes


def _actor():
    return current_user._get_current_object() if current_user and current_user.is_authenticated else None


def _summary(changes: dict) -> str:
    return "Changed " + ", ".join(LABELS.get(k, k.replace("_", " ")) for k in changes)


def index(contacts: list[Contact]) -> None:
    search.reindex([(c.id, search.document(c, c.emails, c.phones)) for c in contacts])


def create(kind: str, values: dict, details: Details | None = None, *, user=None) -> Contact:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of contact: {kind!r}")
    user = user or _actor()
    contact = Contact(kind=kind, created_by_id=getattr(user, "id", None), emails=[], phones=[], addresses=[],
                      owner_id=values.get("owner_id", getattr(user, "id", None)))
    db.session.add(contact)
    apply(contact, values, details or Details())
    db.session.flush()
    index([contact])
    audit.record(audit.CREATE, contact, user=user, summary=f"Created {kind} {contact.display_name}")
    db.session.add(Activity(contact_id=contact.id, kind="change", subject=f"Created {kind}",
                            user_id=getattr(user, "id", None)))
    signals.contact_created.send(contact)
    return contact


def update(contact: Contact, values: dict, details: Details | None = None, *, user=None) -> dict:
    user = user or _actor()
    changes = apply(contact, values, details)
    if changes:
        contact.updated_at = utcnow()
        index([contact])
        audit.record(audit.UPDATE, contact, user=user, summary=f"Edited {contact.display_name}",
                     changes=changes)
        db.session.add(Activity(contact_id=contact.id, kind="change", subject=_summary(changes),
                                user_id=getattr(user, "id", None)))
        signals.contact_updated.send(contact, changes=changes)
    return changes


def set_opt_in(contact: Contact, status: str, source: str, wording: str = "", *, user=None) -> bool:
    """Record an email consent decision with its source and wording."""
    user = user or _actor()
    if status == contact.email_opt_in:
        return False
    old = contact.email_opt_in
    contact.email_opt_in = status
    db.session.add(ConsentEntry(contact_id=contact.id, status=status, source=source, wording=wording,
                                user_id=getattr(user, "id", None)))
    audit.record(audit.UPDATE, contact, user=user, summary=f"Email opt-in: {status} ({source})",
                 changes={"email_opt_in": (old, status)})
    db.session.add(Activity(contact_id=contact.id, kind="change", user_id=getattr(user, "id", None),
                            subject=f"Email opt-in changed to {status.replace('_', ' ')}", body=source))
    return True


def trash(contacts: list[Contact], *, user=None) -> int:
    user, now = user or _actor(), utcnow()
    live = [c for c in contacts if c.deleted_at is None]
    for contact in live:
        contact.deleted_at = now
        audit.record(audit.DELETE, contact, user=user, summary=f"Moved {contact.display_name} to the trash")
    search.unindex([c.id for c in live])
    signals.contacts_trashed.send([c.id for c in live])
    return len(live)


def restore(contacts: list[Contact], *, user=None) -> int:
    user = user or _actor()
    dead = [c for c in contacts if c.deleted_at is not None]
    for contact in dead:
        contact.deleted_at = None
        audit.record(audit.UPDATE, contact, user=user, summary=f"Restored {contact.display_name} from the trash",
                     changes={"deleted": (True, False)})
    db.session.flush()
    index([load(c.id) for c in dead])
    signals.contacts_restored.send([c.id for c in dead])
    return len(dead)


def purge(contacts: list[Contact], *, user=None) -> int:
    """Delete trashed contacts for good (administrators only)."""
    user = user or _actor()
    dead = [c for c in contacts if c.deleted_at is not None]
    ids = [c.id for c in dead]
    signals.contacts_purged.send(ids)
    for contact in dead:
        audit.record(audit.DELETE, object_type="contacts_contact", object_id=contact.id, user=user,
                     summary=f"Purged {contact.display_name} for good")
        db.session.delete(contact)
    search.unindex(ids)
    return len(dead)


KIND_LABELS = {PERSON: "Person", HOUSEHOLD: "Household", ORGANISATION: "Organisation"}
