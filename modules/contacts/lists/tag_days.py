"""The contacts-by-tag rollup (contacts_tag_day): per tag and UTC day of the
contact's creation, how many live contacts carry the tag.

Database triggers keep it (migration contacts_0012_tag_days), not the
services: tags are added and removed by forms, the API, bulk actions, the
import and its undo, merges, tag merges and deletes, erasure, the seed, and
by the database's own ON DELETE CASCADE when a contact or a tag goes; a
contact counts or stops counting when it is trashed, restored or purged.
A trigger runs inside each of those statements whoever wrote it, so no
writer, present or future, can leave the table behind. (A later migration
that rebuilds contacts_contact or contacts_contact_tag in SQLite's batch
mode drops their triggers: it must create them again; `in_step()` says
when they are missing.)

Days are UTC so that the table does not depend on the organisation's time
zone: a report's period, from the local midnight of its first day to that
of the day after its last, reads the whole UTC days inside it here and the
part days at either end (under a day each) from the contacts' index.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, cast, delete, func, insert, literal, select, text

from app.extensions import db
from modules.contacts.models import Contact, ContactTag, ContactTagDay

TRIGGERS = ("contacts_tag_day_tag_added", "contacts_tag_day_tag_removed", "contacts_tag_day_tag_moved",
            "contacts_tag_day_contact_changed", "contacts_tag_day_contact_deleted")


def _day(column):
    """A stored UTC datetime's day, as the triggers compute it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(column, Date)
    return func.date(column)


def _recomputation():
    day = _day(Contact.created_at)
    return (select(ContactTag.tag_id, day.label("day"), func.count().label("contacts"))
            .join(Contact, Contact.id == ContactTag.contact_id).where(Contact.deleted_at.is_(None))
            .group_by(ContactTag.tag_id, day))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def recomputed() -> dict[tuple[int, date], int]:
    """What the table should hold, counted from the tags and contacts."""
    return {(tag_id, _as_date(day)): n for tag_id, day, n in db.session.execute(_recomputation())}


def stored() -> dict[tuple[int, date], int]:
    """What it holds (days counted down to nothing left out)."""
    return {(tag_id, day): n for tag_id, day, n in db.session.execute(
        select(ContactTagDay.tag_id, ContactTagDay.day, ContactTagDay.contacts).where(ContactTagDay.contacts != 0))}


def triggers_present() -> bool:
    if db.session.get_bind().dialect.name == "postgresql":
        found = db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    else:
        found = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return set(TRIGGERS) <= set(found)


def in_step() -> bool:
    return triggers_present() and stored() == recomputed()


def rebuild() -> int:
    """Recompute the table from the tags and contacts; returns its rows."""
    db.session.execute(delete(ContactTagDay))
    db.session.execute(insert(ContactTagDay).from_select(["tag_id", "day", "contacts"], _recomputation()))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(ContactTagDay))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def per_tag(since: datetime, until: datetime) -> dict[int, tuple[int, int]]:
    """{tag id: (live contacts with the tag, those of them created from
    `since` to before `until`)} for every tag some live contact carries."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    first = since.date() if since == _midnight(since.date()) else since.date() + timedelta(days=1)
    last = until.date()  # whole days from `first` to before `last`
    whole = (func.coalesce(func.sum(ContactTagDay.contacts).filter(ContactTagDay.day >= first,
                                                                   ContactTagDay.day < last), 0)
             if first < last else literal(0))
    out = {tag_id: [int(total), int(new)] for tag_id, total, new in db.session.execute(
        select(ContactTagDay.tag_id, func.sum(ContactTagDay.contacts), whole)
        .group_by(ContactTagDay.tag_id).having(func.sum(ContactTagDay.contacts) > 0))}
    # The part days at either end, each a range of the index (deleted_at, created_at, id).
    for a, b in [(since, _midnight(first)), (_midnight(last), until)] if first < last else [(since, until)]:
        if a >= b:
            continue
        for tag_id, n in db.session.execute(
                select(ContactTag.tag_id, func.count()).join(Contact, Contact.id == ContactTag.contact_id)
                .where(Contact.deleted_at.is_(None), Contact.created_at >= a, Contact.created_at < b)
                .group_by(ContactTag.tag_id)):
            if tag_id in out:
                out[tag_id][1] += n
    return {tag_id: (total, new) for tag_id, (total, new) in out.items()}
