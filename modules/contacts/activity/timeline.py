"""The contact timeline: everything that happened to a contact, newest first.

Contacts' own provider, `activity_entries`, gives the notes, calls, meetings
and emails people log, the changes the system records (Activity rows) and
tasks done (Task rows with `done_at`; completing a task writes no Activity, so
there is one row per fact and reopening a task simply takes it off the
timeline). Other modules add entries through
`ContactHooks(timeline=provider)`; `merged` asks every enabled provider and
interleaves them by time.

The provider contract: `provider(contact_id, before, limit)` returns at most
`limit` TimelineEntry objects, newest first, strictly older than `before`
(an aware datetime) or the newest ones when `before` is None.

Paging is keyset: the cursor is the time of the last entry shown plus how
many entries with that exact time were shown (`Cursor`), so entries sharing a
timestamp are neither lost nor repeated across pages, whichever module wrote
them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from markupsafe import Markup
from sqlalchemy import bindparam

from app import audit
from app.dates import org_zone
from app.extensions import db
from app.ids import parse_id
from app.models import User
from app.permissions import can
from app.statements import built_once
from modules.contacts.hooks import TimelineEntry, timeline_providers
from modules.contacts.models import Activity, Task

PER_PAGE = 20
WRITTEN_KINDS = ("note", "call", "meeting", "email")  # what people log by hand
KIND_LABELS = {"note": "Note", "call": "Call", "meeting": "Meeting", "email": "Email",
               "change": "Change", "task": "Task"}
# The filter links: key -> (label, kinds shown; None for every module's entries).
FILTERS = {
    "all": ("All", None),
    "notes": ("Notes", ("note",)),
    "calls": ("Calls", ("call",)),
    "meetings": ("Meetings", ("meeting",)),
    "emails": ("Emails", ("email",)),
    "tasks": ("Tasks", ("task",)),
    "changes": ("Changes", ("change",)),
}


@dataclass(frozen=True)
class OwnEntry(TimelineEntry):
    """An entry the contacts module owns: who wrote it, and which row it is."""

    user_id: int | None = None
    task_id: int | None = None

    @property
    def editable(self) -> bool:
        return self.activity_id is not None and self.kind in WRITTEN_KINDS


@built_once
def _statements(bounded: bool, filtered: bool) -> tuple:
    """The activity and task queries, one pair per shape (bound parameters
    `contact_id`, `limit`, `before`, `kinds`)."""
    contact_id, limit, before = bindparam("contact_id"), bindparam("limit"), bindparam("before")
    activities = (db.select(Activity, User.name).outerjoin(User, User.id == Activity.user_id)
                  .where(Activity.contact_id == contact_id))
    if filtered:
        activities = activities.where(Activity.kind.in_(bindparam("kinds", expanding=True)))
    tasks = (db.select(Task, User.name).outerjoin(User, User.id == Task.assignee_id)
             .where(Task.contact_id == contact_id, Task.done_at.is_not(None)))
    if bounded:
        activities, tasks = activities.where(Activity.occurred_at < before), tasks.where(Task.done_at < before)
    return (activities.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit),
            tasks.order_by(Task.done_at.desc(), Task.id.desc()).limit(limit))


def activity_entries(contact_id: int, before: datetime | None = None, limit: int = PER_PAGE,
                     kinds: tuple[str, ...] | None = None) -> list[TimelineEntry]:
    """Contacts' own timeline provider: at most two queries, users joined in."""
    entries: list[TimelineEntry] = []
    activity_kinds = None if kinds is None else tuple(k for k in kinds if k != "task")
    activities, tasks = _statements(before is not None, bool(activity_kinds))
    params = {"contact_id": contact_id, "limit": limit, "before": before, "kinds": list(activity_kinds or ())}
    if activity_kinds is None or activity_kinds:
        for activity, name in db.session.execute(activities, params):
            entries.append(OwnEntry(
                at=activity.occurred_at, kind=activity.kind,
                title=activity.subject or KIND_LABELS.get(activity.kind, activity.kind.title()),
                body=activity.body or "", by=name or "", activity_id=activity.id,
                user_id=activity.user_id))
    if kinds is None or "task" in kinds:
        for task, name in db.session.execute(tasks, params):
            entries.append(OwnEntry(at=task.done_at, kind="task", title=f"Task done: {task.title}",
                                    body=task.notes or "", by=name or "", task_id=task.id,
                                    user_id=task.assignee_id))
    entries.sort(key=lambda e: e.at, reverse=True)  # stable: ties keep their query order
    return entries[:limit]


def _aware(entry: TimelineEntry) -> TimelineEntry:
    if entry.at.tzinfo is None:
        return dataclasses.replace(entry, at=entry.at.replace(tzinfo=UTC))
    return entry


def merged(contact_id: int, before: datetime | None = None, limit: int = PER_PAGE,
           kinds: tuple[str, ...] | None = None) -> list[TimelineEntry]:
    """Up to `limit` entries from every provider, strictly before `before`,
    newest first. With `kinds`, only contacts' own entries of those kinds."""
    providers = timeline_providers() if kinds is None else [
        lambda cid, b, n: activity_entries(cid, b, n, kinds)]
    entries = [_aware(e) for provider in providers for e in provider(contact_id, before, limit)]
    entries.sort(key=lambda e: e.at, reverse=True)  # stable: providers in module order
    return entries[:limit]


@dataclass(frozen=True)
class Cursor:
    at: datetime
    seen: int = 1  # entries at exactly `at` already shown

    def __str__(self) -> str:
        return f"{self.at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}_{self.seen}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in `?before=`, or None when absent or malformed."""
        if not text:
            return None
        stamp, _, seen = text.partition("_")
        try:
            at = datetime.fromisoformat(stamp)
        except ValueError:
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        count = parse_id(seen)
        return cls(at, count if count and count < 100_000 else 1)


def page(contact_id: int, cursor: Cursor | None, limit: int = PER_PAGE,
         kinds: tuple[str, ...] | None = None) -> tuple[list[TimelineEntry], Cursor | None]:
    """One page of the merged timeline after `cursor`, and the cursor of the next page."""
    if cursor is None:
        entries = merged(contact_id, None, limit + 1, kinds)
        seen_before = 0
    else:
        # Ask for the entries at the cursor's own time too, then drop those already shown.
        entries = merged(contact_id, cursor.at + timedelta(microseconds=1), limit + 1 + cursor.seen, kinds)
        drop = 0
        while drop < len(entries) and drop < cursor.seen and entries[drop].at == cursor.at:
            drop += 1
        entries = entries[drop:]
        seen_before = cursor.seen
    more = len(entries) > limit
    entries = entries[:limit]
    if not more or not entries:
        return entries, None
    last = entries[-1].at
    seen = sum(1 for e in entries if e.at == last)
    if cursor is not None and last == cursor.at:
        seen += seen_before
    return entries, Cursor(last, seen)


# Dates and times as people read them: in the organisation's timezone.

def local_now() -> datetime:
    return datetime.now(org_zone())


def local_today() -> date:
    return local_now().date()


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400 * 7, "week"),
                       (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"  # pragma: no cover


def when(value: datetime | None, now: datetime | None = None) -> Markup:
    """`<time>` showing how long ago, then the date and time in the organisation's timezone."""
    if value is None:
        return Markup("")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(org_zone())
    absolute = local.strftime("%-d %b %Y, %H:%M ") + (local.tzname() or "")
    relative = _ago((now or datetime.now(UTC)) - value)
    return Markup('<time datetime="{}"><span class="when-rel">{}</span> '
                  '<span class="when-abs">{}</span></time>').format(value.isoformat(), relative, absolute)


def due_text(due: date | None, today: date | None = None) -> str:
    """"Due today", "3 days overdue", "Due 14 Mar" ..."""
    if due is None:
        return "No due date"
    today = today or local_today()
    days = (due - today).days
    if days == 0:
        return "Due today"
    if days == -1:
        return "Due yesterday"
    if days < 0:
        return f"{-days} days overdue"
    if days == 1:
        return "Due tomorrow"
    return "Due " + due.strftime("%-d %b" if due.year == today.year else "%-d %b %Y")


# Writing entries. Rules: anyone with contacts.edit logs notes, calls,
# meetings and emails; the author may edit or delete their own entries, and
# contacts.delete (managers and admins by default: they may trash the whole
# contact) may edit or delete anyone's. "change" entries are written by the
# system and are never edited. Every change is audited (contacts_activity).

def may_edit(activity: Activity, user) -> bool:
    return (activity.kind in WRITTEN_KINDS and can("contacts.edit")
            and (activity.user_id == getattr(user, "id", None) or can("contacts.delete")))


def _label(activity: Activity) -> str:
    text = activity.subject or activity.body.split("\n", 1)[0]
    return f"{KIND_LABELS.get(activity.kind, activity.kind).lower()} “{text[:60]}”"


def log(contact_id: int, values: dict, *, user) -> Activity:
    """Add a note, call, meeting or email to a contact's timeline."""
    if values.get("kind") not in WRITTEN_KINDS:
        raise ValueError(f"not a kind people log: {values.get('kind')!r}")
    activity = Activity(contact_id=contact_id, user_id=user.id, **values)
    db.session.add(activity)
    db.session.flush()
    audit.record(audit.CREATE, activity, object_type="contacts_activity", user=user,
                 summary=f"Logged a {_label(activity)} on contact {contact_id}")
    return activity


def edit(activity: Activity, values: dict, *, user) -> dict:
    changes = audit.diff(activity, values)
    if changes:
        audit.record(audit.UPDATE, activity, object_type="contacts_activity", user=user,
                     summary=f"Edited the {_label(activity)} on contact {activity.contact_id}", changes=changes)
    return changes


def delete(activity: Activity, *, user) -> None:
    audit.record(audit.DELETE, activity, object_type="contacts_activity", user=user,
                 summary=f"Deleted the {_label(activity)} on contact {activity.contact_id}",
                 changes={"subject": (activity.subject, None), "body": (activity.body, None)})
    db.session.delete(activity)
