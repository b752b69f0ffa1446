"""Merging two contacts: one survives, the other's records move to it.

`preview(survivor, merged)` lists the fields the user chooses between and
what will move; `merge(survivor, merged, choices)` does it, in the caller's
transaction (the view commits once):

- the chosen field values are applied to the survivor (notes may keep both);
- emails, phones and addresses move unless the survivor already has them
  (the survivor's primary stays primary); tags and custom values are
  combined (the survivor's value wins for a single-value field);
- every row that references the merged contact moves: relationships (those
  that would link the survivor to itself, or repeat a link it has, are
  dropped), timeline activities, tasks, consent history, household members
  (when two households merge); "not a duplicate" marks of the merged contact
  are removed, and imports let go of it (undoing one must not touch the
  survivor);
- every enabled module's `ContactHooks.merge(survivor_id, merged_id)` moves
  that module's records;
- the survivor's derived columns and search entry are refreshed; the merged
  contact leaves the index and stays in the trash, with a note "Merged into
  #id", so the audit trail stays readable (purging it later is the trash's
  job);
- audit: an update on the survivor (the chosen fields) and a delete on the
  merged one, both "Merged #B into #A"; a timeline entry on both; the
  `contacts_merged` signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_

from app import audit
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.contacts import hooks, signals
from modules.contacts.lists import search
from modules.contacts.models import (
    OPT_UNKNOWN,
    PERSON,
    Activity,
    ConsentEntry,
    Contact,
    ContactAddress,
    ContactTag,
    CustomField,
    CustomValue,
    DuplicateDismissal,
    ExternalId,
    ImportChange,
    Relationship,
    Task,
)
from modules.contacts.people import phones, records

KEEP, OTHER, BOTH = "keep", "other", "both"
NAME_PARTS = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name")
PREFERENCES = ("do_not_email", "do_not_phone", "do_not_mail")


@dataclass(frozen=True)
class Row:
    """One choice on the preview: `fields` come together from one side."""

    key: str
    label: str
    fields: tuple[str, ...]
    can_combine: bool = False  # offer "keep both" (notes)


PERSON_ROWS = (
    Row("name", "Name", NAME_PARTS),
    Row("birth_date", "Birth date", ("birth_date",)),
    Row("pronouns", "Pronouns", ("pronouns",)),
    Row("preferred_language", "Language", ("preferred_language",)),
    Row("household_id", "Household", ("household_id",)),
)
GROUP_ROWS = (Row("name", "Name", ("name",)),)
COMMON_ROWS = (
    Row("source", "Source", ("source",)),
    Row("owner_id", "Owner", ("owner_id",)),
    Row("salutation", "Greeting in letters", ("salutation",)),
    Row("addressee", "Addressee in letters", ("addressee",)),
    Row("notes", "Notes", ("notes",), can_combine=True),
    Row("preferences", "Contact preferences", PREFERENCES),
    Row("email_opt_in", "Email opt-in", ("email_opt_in",)),
)


class MergeError(ValueError):
    """Why two contacts cannot be merged, in words for people."""


def rows_for(contact: Contact) -> tuple[Row, ...]:
    return (PERSON_ROWS if contact.kind == PERSON else GROUP_ROWS) + COMMON_ROWS


def check(survivor: Contact | None, merged: Contact | None) -> None:
    if survivor is None or merged is None:
        raise MergeError("One of these contacts no longer exists or is in the trash.")
    if survivor.id == merged.id:
        raise MergeError("Choose two different contacts to merge.")
    if survivor.kind != merged.kind:
        raise MergeError("Only contacts of the same kind can be merged.")


def _empty(value) -> bool:
    return value is None or value == "" or value is False or value == OPT_UNKNOWN


def _row_empty(contact: Contact, row: Row) -> bool:
    return all(_empty(getattr(contact, f)) for f in row.fields)


def _row_values(contact: Contact, row: Row) -> tuple:
    return tuple(getattr(contact, f) for f in row.fields)


def default_choice(survivor: Contact, merged: Contact, row: Row) -> str:
    """The non-empty value; when both have one, both for notes, otherwise the
    more recently updated contact's."""
    if _row_empty(merged, row) or _row_values(survivor, row) == _row_values(merged, row):
        return KEEP
    if _row_empty(survivor, row):
        return OTHER
    if row.can_combine:
        return BOTH
    newer = (merged.updated_at or merged.created_at) > (survivor.updated_at or survivor.created_at)
    return OTHER if newer else KEEP


# ---------------------------------------------------------------- what the preview shows
def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())


def _household_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())


def _shown(contact: Contact, row: Row, users: dict, households: dict) -> str:
    if row.key == "name":
        if contact.kind != PERSON:
            return contact.name or ""
        parts = [contact.prefix, contact.first_name, contact.middle_name, contact.last_name, contact.suffix]
        text = " ".join(p for p in parts if p)
        return f"{text} (“{contact.preferred_name}”)" if contact.preferred_name else text
    if row.key == "birth_date":
        return contact.birth_date.strftime("%d %b %Y") if contact.birth_date else ""
    if row.key == "owner_id":
        return users.get(contact.owner_id, "") if contact.owner_id else ""
    if row.key == "household_id":
        return f"{households.get(contact.household_id, '')} (#{contact.household_id})" \
            if contact.household_id else ""
    if row.key == "preferences":
        said = [label for f, label in zip(PREFERENCES, ("Do not email", "Do not phone", "Do not mail"), strict=True)
                if getattr(contact, f)]
        return ", ".join(said) or "No restrictions"
    if row.key == "email_opt_in":
        return {"opted_in": "Opted in", "opted_out": "Opted out"}.get(contact.email_opt_in, "Not asked")
    return str(getattr(contact, row.fields[0]) or "")


@dataclass
class PreviewRow:
    row: Row
    keep: str
    other: str
    choice: str
    same: bool


def field_rows(survivor: Contact, merged: Contact, chosen: dict | None = None) -> list[PreviewRow]:
    users = _user_names([survivor.owner_id, merged.owner_id])
    households = _household_names([survivor.household_id, merged.household_id])
    out = []
    for row in rows_for(survivor):
        keep, other = _shown(survivor, row, users, households), _shown(merged, row, users, households)
        choice = (chosen or {}).get(row.key) or default_choice(survivor, merged, row)
        if choice == BOTH and not row.can_combine:
            choice = KEEP
        out.append(PreviewRow(row, keep, other, choice, _row_values(survivor, row) == _row_values(merged, row)))
    return out


def _lower_emails(contact: Contact) -> set[str]:
    return {e.email.lower() for e in contact.emails}


def _address_key(a: ContactAddress) -> tuple:
    return tuple(" ".join((getattr(a, f) or "").split()).lower()
                 for f in ("line1", "line2", "city", "region", "postcode", "country"))


def _relationship_plan(survivor_id: int, merged_id: int) -> tuple[list[Relationship], list[Relationship]]:
    """The merged contact's relationships: (to move, to drop)."""
    R = Relationship
    rows = db.session.scalars(db.select(R).where(or_(
        R.contact_a_id.in_((survivor_id, merged_id)), R.contact_b_id.in_((survivor_id, merged_id))))
        .order_by(R.id)).all()

    def moved(rel):
        a = survivor_id if rel.contact_a_id == merged_id else rel.contact_a_id
        b = survivor_id if rel.contact_b_id == merged_id else rel.contact_b_id
        return a, b

    def key(rel, a, b):
        symmetric = rel.type.a_to_b == rel.type.b_to_a
        return (rel.type_id, *sorted((a, b))) if symmetric else (rel.type_id, a, b)

    seen = {key(r, r.contact_a_id, r.contact_b_id) for r in rows
            if merged_id not in (r.contact_a_id, r.contact_b_id)}
    move, drop = [], []
    for rel in rows:
        if merged_id not in (rel.contact_a_id, rel.contact_b_id):
            continue
        a, b = moved(rel)
        k = key(rel, a, b)
        if a == b or k in seen:
            drop.append(rel)
        else:
            seen.add(k)
            move.append(rel)
    return move, drop


def _count(model, column, contact_id: int) -> int:
    return db.session.scalar(db.select(func.count()).select_from(model).where(column == contact_id)) or 0


def hook_modules() -> list[str]:
    """Titles of the other enabled modules that move records on merge."""
    state = current_app.extensions["steward"]
    return [m.title for m in state.enabled
            if m.name != "contacts" and "contacts" in m.extends and m.extends["contacts"].merge is not None]


def summary(survivor: Contact, merged: Contact) -> dict:
    """What moves from `merged` to `survivor` (a few bounded count queries)."""
    emails_new = [e for e in merged.emails if e.email.lower() not in _lower_emails(survivor)]
    numbers = {p.number for p in survivor.phones}
    phones_new = [p for p in merged.phones if p.number not in numbers]
    addresses = {_address_key(a) for a in survivor.addresses}
    addresses_new = [a for a in merged.addresses if _address_key(a) not in addresses]
    mine = {t.id for t in survivor.tags}
    move, drop = _relationship_plan(survivor.id, merged.id)
    return {
        "emails": [e.email for e in emails_new],
        "emails_same": len(merged.emails) - len(emails_new),
        "phones": [phones.display(p.number) for p in phones_new],
        "phones_same": len(merged.phones) - len(phones_new),
        "addresses": [records._address_text(a) for a in addresses_new],
        "addresses_same": len(merged.addresses) - len(addresses_new),
        "tags": [t.name for t in merged.tags if t.id not in mine],
        "custom": _count(CustomValue, CustomValue.contact_id, merged.id),
        "relationships": len(move),
        "relationships_dropped": len(drop),
        "timeline": _count(Activity, Activity.contact_id, merged.id),
        "tasks": _count(Task, Task.contact_id, merged.id),
        "consent": _count(ConsentEntry, ConsentEntry.contact_id, merged.id),
        "members": _count(Contact, Contact.household_id, merged.id),
        "modules": hook_modules(),
    }


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def describe(moves: dict) -> str:
    """ "12 timeline entries, 3 tasks, 2 relationships, and records in Pipeline (via the merge hook)" """
    parts = [_plural(len(moves[key]), one, many) for key, one, many in (
        ("emails", "email", None), ("phones", "phone number", None), ("addresses", "address", "addresses"),
        ("tags", "tag", None)) if moves[key]]
    parts += [_plural(moves[key], one, many) for key, one, many in (
        ("custom", "custom value", None), ("timeline", "timeline entry", "timeline entries"),
        ("tasks", "task", None), ("relationships", "relationship", None),
        ("consent", "consent record", None), ("members", "household member", None)) if moves[key]]
    if moves["modules"]:
        parts.append(f"records in {', '.join(moves['modules'])} (via the merge hook)")
    if not parts:
        return "nothing else"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


# ---------------------------------------------------------------- the merge
def _chosen_values(survivor: Contact, merged: Contact, choices: dict) -> dict:
    values = {}
    for row in rows_for(survivor):
        choice = choices.get(row.key) or default_choice(survivor, merged, row)
        if choice == BOTH and row.can_combine:
            a, b = (survivor.notes or "").strip(), (merged.notes or "").strip()
            values["notes"] = a if b in ("", a) else b if not a else f"{a}\n\n{b}"
        elif choice == OTHER:
            for f in row.fields:
                values[f] = getattr(merged, f)
    if values.get("household_id") == survivor.id:
        values.pop("household_id")
    return values


def _move_details(survivor: Contact, merged: Contact) -> None:
    have = _lower_emails(survivor)
    for e in list(merged.emails):
        if e.email.lower() in have:
            db.session.delete(e)
        else:
            have.add(e.email.lower())
            e.contact_id, e.is_primary = survivor.id, e.is_primary and not survivor.emails
    numbers = {p.number for p in survivor.phones}
    for p in list(merged.phones):
        if p.number in numbers:
            db.session.delete(p)
        else:
            numbers.add(p.number)
            p.contact_id, p.is_primary = survivor.id, p.is_primary and not survivor.phones
    places = {_address_key(a) for a in survivor.addresses}
    for a in list(merged.addresses):
        if _address_key(a) in places:
            db.session.delete(a)
        else:
            places.add(_address_key(a))
            a.contact_id, a.is_primary = survivor.id, a.is_primary and not survivor.addresses


def _move_tags(survivor_id: int, merged_id: int) -> None:
    CT = ContactTag
    mine = db.select(CT.tag_id).where(CT.contact_id == survivor_id).scalar_subquery()
    db.session.execute(db.delete(CT).where(CT.contact_id == merged_id, CT.tag_id.in_(mine)))
    db.session.execute(db.update(CT).where(CT.contact_id == merged_id).values(contact_id=survivor_id))


def _move_custom(survivor_id: int, merged_id: int) -> None:
    """Fields the survivor has no value for take the merged contact's; a
    multiple-choice field gains the choices it lacks."""
    CV = CustomValue
    theirs = db.session.scalars(db.select(CV).where(CV.contact_id == merged_id)).all()
    if not theirs:
        return
    mine = db.session.scalars(db.select(CV).where(CV.contact_id == survivor_id)).all()
    multi = set(db.session.scalars(db.select(CustomField.id).where(CustomField.type == "multi_choice")))
    have_field = {v.field_id for v in mine}
    have_choice = {(v.field_id, v.value_text) for v in mine}
    for value in theirs:
        if value.field_id in multi:
            keep = (value.field_id, value.value_text) not in have_choice
            have_choice.add((value.field_id, value.value_text))
        else:
            keep = value.field_id not in have_field
        if keep:
            value.contact_id = survivor_id
        else:
            db.session.delete(value)


def _move_external_ids(survivor_id: int, merged_id: int) -> None:
    """Ids in other systems follow to the survivor, for systems it has none in."""
    X = ExternalId
    mine = db.select(X.system).where(X.contact_id == survivor_id).scalar_subquery()
    db.session.execute(db.delete(X).where(X.contact_id == merged_id, X.system.in_(mine))
                       .execution_options(synchronize_session=False))
    db.session.execute(db.update(X).where(X.contact_id == merged_id).values(contact_id=survivor_id)
                       .execution_options(synchronize_session=False))


def _move_rows(survivor_id: int, merged_id: int) -> None:
    _move_external_ids(survivor_id, merged_id)
    for model, column in ((Activity, Activity.contact_id), (Task, Task.contact_id),
                          (ConsentEntry, ConsentEntry.contact_id), (Contact, Contact.household_id)):
        db.session.execute(db.update(model).where(column == merged_id).values({column.key: survivor_id})
                           .execution_options(synchronize_session=False))
    # An import's record of the merged contact must not follow it to the
    # survivor: undoing that import would then delete or roll back the
    # survivor. The import simply no longer owns this contact.
    db.session.execute(db.update(ImportChange).where(ImportChange.contact_id == merged_id)
                       .values(contact_id=None).execution_options(synchronize_session=False))
    D = DuplicateDismissal
    db.session.execute(db.delete(D).where(or_(D.contact_a_id == merged_id, D.contact_b_id == merged_id))
                       .execution_options(synchronize_session=False))


def merge(survivor: Contact, merged: Contact, choices: dict, *, user=None) -> dict:
    """Merge `merged` into `survivor` (see the module docstring). Returns what moved."""
    check(survivor, merged)
    user = user or records._actor()
    user_id = getattr(user, "id", None)
    moves = summary(survivor, merged)
    survivor_id, merged_id, merged_name = survivor.id, merged.id, merged.display_name
    old_opt_in = survivor.email_opt_in

    values = _chosen_values(survivor, merged, choices)
    opt_in = values.pop("email_opt_in", None)
    changes = audit.diff(survivor, values)
    _move_details(survivor, merged)
    move, drop = _relationship_plan(survivor_id, merged_id)
    for rel in drop:
        db.session.delete(rel)
    db.session.flush()
    for rel in move:
        if rel.contact_a_id == merged_id:
            rel.contact_a_id = survivor_id
        if rel.contact_b_id == merged_id:
            rel.contact_b_id = survivor_id
    _move_custom(survivor_id, merged_id)
    db.session.flush()
    _move_tags(survivor_id, merged_id)
    _move_rows(survivor_id, merged_id)
    for _module, contact_hooks in hooks.all_hooks():
        if contact_hooks.merge is not None:
            contact_hooks.merge(survivor_id, merged_id)

    db.session.flush()
    db.session.expire_all()
    survivor, merged = records.load(survivor_id), records.load(merged_id, deleted=True)
    if opt_in is not None and opt_in != old_opt_in:
        survivor.email_opt_in = opt_in
        changes["email_opt_in"] = (old_opt_in, opt_in)
        db.session.add(ConsentEntry(contact_id=survivor_id, status=opt_in, user_id=user_id,
                                    source=f"Merged from #{merged_id}",
                                    wording=f"Kept the opt-in of {merged_name} (#{merged_id}) when merging."))
    records._one_primary(survivor.emails)
    records._one_primary(survivor.phones)
    records._one_primary(survivor.addresses)
    records.refresh_derived(survivor)
    survivor.updated_at = utcnow()

    now = utcnow()
    merged.deleted_at = now
    note = f"Merged into #{survivor_id} ({survivor.display_name}) on {now:%Y-%m-%d}."
    merged.notes = f"{note}\n\n{merged.notes}".strip() if merged.notes else note
    db.session.flush()
    records.index([survivor])
    search.unindex([merged_id])

    moved_text = describe(moves)
    title = f"Merged #{merged_id} into #{survivor_id}"
    audit.record(audit.UPDATE, survivor, user=user, summary=title,
                 changes={**changes, "merged": (None, f"#{merged_id} {merged_name}")})
    audit.record(audit.DELETE, merged, user=user, summary=title, changes={"merged_into": (None, survivor_id)})
    db.session.add(Activity(contact_id=survivor_id, kind="change", user_id=user_id,
                            subject=f"Merged with {merged_name} (#{merged_id})"[:200],
                            body=f"Moved here: {moved_text}."))
    db.session.add(Activity(contact_id=merged_id, kind="change", user_id=user_id,
                            subject=f"Merged into {survivor.display_name} (#{survivor_id})"[:200]))
    signals.contacts_merged.send(survivor, merged=merged, changes=changes)
    return moves

