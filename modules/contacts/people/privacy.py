"""Privacy requests for one contact: everything held about them as JSON
("subject access"), and erasure ("right to be forgotten").

Export: the contact's fields, emails, phones, addresses, tags, custom
values, relationships (with the other side's name), household, consent
history, timeline activities, tasks, the audit entries about them, and
every enabled module's `ContactHooks.export(contact_id)` under "modules",
keyed by the module's name (or its hooks' `section`).

Erasure keeps a tombstone instead of deleting the row, so that what must
stay (other modules' records such as gift amounts, activity dates for
statistics, the audit trail) still points at something:

- the contact: every name part, the greeting and addressee of letters,
  birth date, pronouns, language, notes and source cleared; named "Erased contact #<id>"; household link cleared (and,
  for a household, its members' links); do not email/phone/mail set, email
  opt-in "opted out"; moved to the trash (deleted_at) if it was not there;
- deleted: emails, phones, addresses, custom values, tags, relationships;
  consent history keeps status, topic, time and source but loses its
  wording and IP address;
- timeline activities keep their kind and dates, their subject becomes
  "Erased" and their body is emptied; tasks keep dates and assignee, their
  title becomes "Erased" and notes are emptied; notes the system wrote on
  related contacts' timelines ("Now parent of Ann Smith") lose the name;
- the search index entry is removed;
- audit entries about the contact, its activities, tasks and relationships
  keep their action, time and actor; their summary becomes generic and
  their `changes` keep the field names but not the values;
- every module's `ContactHooks.erase(contact_id)` runs first, to remove its
  personal data and keep what must stay;
- the erasure is audited as "Erased personal data of contact #<id>", with
  no personal data in the entry.

Imports: an erased person must not quietly come back with the next
spreadsheet. The tombstone keeps, for each erased email address, a keyed
hash (HMAC-SHA256 with the app's SECRET_KEY) as an email row labelled
"erased" — not the address itself. `erased_ids_for_emails` tells the importer
which addresses belong to erased contacts, so it can skip or flag those rows.
Changing SECRET_KEY, or purging the tombstone from the trash, removes this
guard. Restoring a tombstone from the trash brings back only the tombstone.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app import audit
from app.extensions import db
from app.models import AuditEntry, User
from app.models.base import utcnow
from modules.contacts import hooks, signals
from modules.contacts.lists import search
from modules.contacts.models import (
    OPT_OUT,
    Activity,
    ConsentEntry,
    Contact,
    ContactEmail,
    ContactTag,
    CustomField,
    CustomValue,
    ExternalId,
    Relationship,
    Task,
)
from modules.contacts.people import custom_fields, external_ids

ERASED = "Erased"
ERASED_LABEL = "erased"
MARKER_PREFIX = "erased:"
ERASED_VALUE = "(erased)"
NAME_FIELDS = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "name")


def erased_name(contact_id: int) -> str:
    return f"Erased contact #{contact_id}"


def is_erased(contact: Contact) -> bool:
    return contact.deleted_at is not None and contact.display_name == erased_name(contact.id)


def confirmation_matches(contact: Contact, typed: str) -> bool:
    """The person typed the contact's name (case and spacing aside)."""
    def norm(value: str) -> str:
        return " ".join((value or "").split()).casefold()

    return bool(norm(typed)) and norm(typed) == norm(contact.display_name)


# Import guard ---------------------------------------------------------------------

@lru_cache(maxsize=4)
def _keyed(key: str):
    """The HMAC with its key already absorbed: keying it costs more than
    hashing one address, and an import checks one address per row."""
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def email_marker(email: str) -> str:
    mac = _keyed(str(current_app.config["SECRET_KEY"])).copy()
    mac.update(email.strip().lower().encode())
    return MARKER_PREFIX + mac.hexdigest()


def erased_ids_for_emails(emails) -> dict[str, int]:
    """`{email: contact id}` for the addresses that belonged to erased contacts."""
    markers = {email_marker(e): e for e in emails if e and e.strip()}
    if not markers:
        return {}
    rows = db.session.execute(select(ContactEmail.email, ContactEmail.contact_id).where(
        ContactEmail.email.in_(markers), ContactEmail.label == ERASED_LABEL)).all()
    return {markers[marker]: cid for marker, cid in rows}


# Export -------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _relationships(contact_id: int) -> list[Relationship]:
    R = Relationship
    return list(db.session.scalars(select(R).where(or_(R.contact_a_id == contact_id, R.contact_b_id == contact_id))
                                   .order_by(R.id)))


def _audit_filter(contact_id: int, activity_ids, task_ids, relationship_ids):
    A = AuditEntry
    parts = [(A.object_type == "contacts_contact") & (A.object_id == str(contact_id))]
    for object_type, ids in (("contacts_activity", activity_ids), ("contacts_task", task_ids),
                             ("contacts_relationship", relationship_ids)):
        if ids:
            parts.append((A.object_type == object_type) & A.object_id.in_([str(i) for i in ids]))
    return or_(*parts)


def export_data(contact: Contact) -> dict:
    """Everything held about `contact`, as JSON-ready data."""
    cid = contact.id
    rels = _relationships(cid)
    activities = list(db.session.scalars(select(Activity).where(Activity.contact_id == cid)
                                         .order_by(Activity.occurred_at, Activity.id)))
    tasks = list(db.session.scalars(select(Task).where(Task.contact_id == cid).order_by(Task.id)))
    consent = list(db.session.scalars(select(ConsentEntry).where(ConsentEntry.contact_id == cid)
                                      .order_by(ConsentEntry.at, ConsentEntry.id)))
    entries = list(db.session.scalars(select(AuditEntry).where(_audit_filter(
        cid, [a.id for a in activities], [t.id for t in tasks], [r.id for r in rels])).order_by(AuditEntry.id)))
    users = _user_names([contact.owner_id, contact.created_by_id, *(a.user_id for a in activities),
                         *(t.assignee_id for t in tasks), *(t.created_by_id for t in tasks),
                         *(e.user_id for e in consent)])
    topics = hooks.consent_topic_labels(e.topic for e in consent)
    all_fields = list(db.session.scalars(select(CustomField).order_by(CustomField.position, CustomField.id)))
    values = custom_fields.values_for(cid, all_fields)
    household = contact.household if contact.household_id else None
    members = list(db.session.execute(select(Contact.id, Contact.display_name).where(
        Contact.household_id == cid).order_by(Contact.id)).all())

    data = {
        "generated_at": datetime.now(UTC).isoformat(),
        "contact": {
            "id": cid, "kind": contact.kind, "display_name": contact.display_name,
            **{f: getattr(contact, f) for f in NAME_FIELDS},
            "birth_date": _iso(contact.birth_date), "pronouns": contact.pronouns,
            "preferred_language": contact.preferred_language, "notes": contact.notes, "source": contact.source,
            "salutation": contact.salutation, "addressee": contact.addressee,
            "owner": users.get(contact.owner_id), "created_by": users.get(contact.created_by_id),
            "created_at": _iso(contact.created_at), "updated_at": _iso(contact.updated_at),
            "deleted_at": _iso(contact.deleted_at),
        },
        "preferences": {
            "do_not_email": contact.do_not_email, "do_not_phone": contact.do_not_phone,
            "do_not_mail": contact.do_not_mail, "email_opt_in": contact.email_opt_in,
        },
        "emails": [{"email": e.email, "label": e.label, "primary": e.is_primary} for e in contact.emails],
        "phones": [{"number": p.number, "label": p.label, "primary": p.is_primary} for p in contact.phones],
        "addresses": [{"label": a.label, "line1": a.line1, "line2": a.line2, "city": a.city, "region": a.region,
                       "postcode": a.postcode, "country": a.country, "primary": a.is_primary}
                      for a in contact.addresses],
        "tags": [t.name for t in contact.tags],
        "custom_fields": {f.label: _json_value(values[f.id]) for f in all_fields if f.id in values},
        "external_ids": external_ids.of([cid])[cid],
        "relationships": [_relationship(r, cid) for r in rels],
        "household": {"id": household.id, "name": household.display_name} if household else None,
        "household_members": [{"id": i, "name": n} for i, n in members],
        "consent_history": [{"status": e.status, "topic": topics.get(e.topic), "source": e.source,
                             "wording": e.wording, "at": _iso(e.at), "ip": e.ip,
                             "recorded_by": users.get(e.user_id)} for e in consent],
        "timeline": [{"kind": a.kind, "subject": a.subject, "body": a.body, "occurred_at": _iso(a.occurred_at),
                      "by": users.get(a.user_id)} for a in activities],
        "tasks": [{"title": t.title, "notes": t.notes, "due_date": _iso(t.due_date), "done_at": _iso(t.done_at),
                   "assignee": users.get(t.assignee_id), "created_at": _iso(t.created_at)} for t in tasks],
        "audit": [{"at": _iso(e.at), "action": e.action, "object": f"{e.object_type}:{e.object_id}",
                   "summary": e.summary, "changes": e.changes, "by": e.actor} for e in entries],
        "modules": {},
    }
    for name, contact_hooks in hooks.all_hooks():
        if contact_hooks.export is not None:
            data["modules"][contact_hooks.section or name] = contact_hooks.export(cid)
    return data


def _json_value(value):
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # Decimal


def _relationship(rel: Relationship, cid: int) -> dict:
    mine_a = rel.contact_a_id == cid
    other = rel.contact_b if mine_a else rel.contact_a
    return {"is": rel.type.a_to_b if mine_a else rel.type.b_to_a, "other_id": other.id,
            "other_name": other.display_name, "note": rel.note, "since": _iso(rel.created_at)}


def record_export(contact: Contact, user=None) -> None:
    audit.record(audit.EXPORT, object_type="contacts_contact", object_id=contact.id, user=user,
                 summary=f"Exported everything held about contact #{contact.id} (privacy request)",
                 changes={"format": ("", "json")})


# Erase --------------------------------------------------------------------------------

def _scrub_audit(condition) -> int:
    entries = db.session.scalars(select(AuditEntry).where(condition)).all()
    for entry in entries:
        what = (entry.object_type or "record").removeprefix("contacts_")
        entry.summary = f"{entry.action.capitalize()} {what} #{entry.object_id} (details erased)"
        if entry.changes:  # which fields changed stays; what they held goes
            entry.changes = {key: [ERASED_VALUE, ERASED_VALUE] for key in entry.changes}
    return len(entries)


def erase(contact: Contact, *, user=None) -> None:
    """Erase the personal data of `contact` (see the module docstring). The
    caller commits."""
    cid = contact.id
    old_names = {n for n in (contact.display_name, contact.name, contact.addressee,
                             " ".join(p for p in (contact.first_name, contact.last_name) if p)) if len(n or "") >= 3}
    for _name, contact_hooks in hooks.all_hooks():
        if contact_hooks.erase is not None:
            contact_hooks.erase(cid)

    rels = _relationships(cid)
    related = {r.contact_b_id if r.contact_a_id == cid else r.contact_a_id for r in rels}
    related |= set(db.session.scalars(select(Contact.id).where(Contact.household_id == cid)))
    if contact.household_id:
        related.add(contact.household_id)
    activity_ids = list(db.session.scalars(select(Activity.id).where(Activity.contact_id == cid)))
    task_ids = list(db.session.scalars(select(Task.id).where(Task.contact_id == cid)))
    audit_condition = _audit_filter(cid, activity_ids, task_ids, [r.id for r in rels])

    markers = sorted({email_marker(e.email) for e in contact.emails if e.email})
    contact.emails.clear()
    contact.phones.clear()
    contact.addresses.clear()
    db.session.flush()
    for marker in markers:
        db.session.add(ContactEmail(contact_id=cid, email=marker, label=ERASED_LABEL, is_primary=False))
    db.session.execute(delete(CustomValue).where(CustomValue.contact_id == cid))
    db.session.execute(delete(ExternalId).where(ExternalId.contact_id == cid))
    db.session.execute(delete(ContactTag).where(ContactTag.contact_id == cid))
    for rel in rels:
        db.session.delete(rel)
    db.session.execute(update(Contact).where(Contact.household_id == cid).values(household_id=None))
    db.session.execute(update(ConsentEntry).where(ConsentEntry.contact_id == cid).values(wording="", ip=None))
    db.session.execute(update(Activity).where(Activity.contact_id == cid).values(subject=ERASED, body=""))
    db.session.execute(update(Task).where(Task.contact_id == cid).values(title=ERASED, notes=""))
    if related and old_names:
        notes = db.session.scalars(select(Activity).where(
            Activity.contact_id.in_(related), Activity.kind == "change",
            or_(*(Activity.subject.contains(n, autoescape=True) for n in old_names)))).all()
        for note in notes:
            for name in sorted(old_names, key=len, reverse=True):
                note.subject = note.subject.replace(name, "an erased contact")

    was_live = contact.deleted_at is None
    for name in NAME_FIELDS:
        setattr(contact, name, "")
    contact.birth_date = None
    contact.pronouns = contact.preferred_language = contact.notes = contact.source = ""
    contact.salutation = contact.addressee = ""  # how letters greet them: their name, often
    contact.household_id = None
    contact.display_name = erased_name(cid)
    contact.sort_name = search.fold(contact.display_name)
    contact.email = contact.phone = contact.city = contact.postcode = contact.country = None
    contact.do_not_email = contact.do_not_phone = contact.do_not_mail = True
    if contact.email_opt_in != OPT_OUT:
        contact.email_opt_in = OPT_OUT
        db.session.add(ConsentEntry(contact_id=cid, status=OPT_OUT, source="Erasure", wording="",
                                    user_id=getattr(user, "id", None)))
    now = utcnow()
    contact.updated_at = now
    if was_live:
        contact.deleted_at = now
    search.unindex([cid])
    db.session.flush()
    _scrub_audit(audit_condition)
    audit.record(audit.DELETE, object_type="contacts_contact", object_id=cid, user=user,
                 summary=f"Erased personal data of contact #{cid}", changes={"erased": (False, True)})
    db.session.add(Activity(contact_id=cid, kind="change", subject="Personal data erased",
                            user_id=getattr(user, "id", None)))
    if was_live:
        signals.contacts_trashed.send([cid])
    signals.contact_erased.send(cid)

