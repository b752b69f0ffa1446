"""Tasks: the logic the pages, the widget and the timeline share.

Rules:
- anyone with contacts.edit may add, edit, complete and reopen any task
  (tasks are shared work; a colleague may close one for someone away);
- deleting needs contacts.edit and being the task's creator or assignee, or
  contacts.delete (managers and admins by default);
- completing sets `done_at` and writes no Activity: the contact's timeline
  shows done tasks straight from this table ("Task done: ..."), so there is one
  row per fact and reopening takes the entry off again;
- every change is audited (object type contacts_task).

Lists are bounded: each group of "My tasks" is one keyset query of at most
`limit + 1` rows, the contact and assignee joined in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlalchemy.orm import contains_eager, joinedload, lazyload, load_only

from app import audit
from app.extensions import db
from app.ids import as_id
from app.models import User
from app.models.base import utcnow
from app.permissions import can
from modules.contacts.models import Contact, Task

GROUP_LIMIT = 20
DONE_LIMIT = 20
WIDGET_LIMIT = 8
WIDGET_COUNT_CAP = 20


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    empty: str

    def condition(self, today: date):
        open_ = Task.done_at.is_(None)
        return {
            "overdue": and_(open_, Task.due_date < today),
            "today": and_(open_, Task.due_date == today),
            "upcoming": and_(open_, Task.due_date > today),
            "none": and_(open_, Task.due_date.is_(None)),
            "done": Task.done_at.is_not(None),
        }[self.key]

    @property
    def order(self) -> tuple:
        """(column, descending) pairs; the id last keeps the order total."""
        if self.key == "none":
            return ((Task.id, True),)
        if self.key == "done":
            return ((Task.done_at, True), (Task.id, True))
        return ((Task.due_date, False), (Task.id, False))

    def key_of(self, task: Task) -> str:
        if self.key == "none":
            return str(task.id)
        if self.key == "done":
            return f"{task.done_at.isoformat()}_{task.id}"
        return f"{task.due_date.isoformat()}_{task.id}"

    def parse(self, text: str | None) -> tuple | None:
        if not text:
            return None
        try:
            if self.key == "none":
                return (as_id(text),)
            first, _, ident = text.rpartition("_")
            value = datetime.fromisoformat(first) if self.key == "done" else date.fromisoformat(first)
            return value, as_id(ident)
        except ValueError:
            return None


GROUPS = {g.key: g for g in (
    Group("overdue", "Overdue", "Nothing overdue."),
    Group("today", "Today", "Nothing due today."),
    Group("upcoming", "Upcoming", "Nothing coming up."),
    Group("none", "No due date", "No undated tasks."),
    Group("done", "Done", "Nothing done yet."),
)}


def _after(order: tuple, values: tuple):
    """Rows strictly after `values` in the lexicographic `order`."""
    clauses = []
    for i, (column, desc) in enumerate(order):
        equal = [c == v for (c, _), v in zip(order[:i], values[:i], strict=True)]
        clauses.append(and_(*equal, column < values[i] if desc else column > values[i]))
    return or_(*clauses)


def _live(query):
    """Only tasks about no contact or about one not in the trash."""
    return (query.outerjoin(Contact, Contact.id == Task.contact_id)
            .where(or_(Task.contact_id.is_(None), Contact.deleted_at.is_(None))))


def base_query(assignee_id: int | None = None, contact_id: int | None = None):
    """Tasks of live contacts (or of none), with contact and assignee loaded in the same query."""
    query = _live(db.select(Task)).options(
        contains_eager(Task.contact),
        # The assignee's name only: not the role and its permissions that a User brings along.
        joinedload(Task.assignee).options(load_only(User.id, User.name, User.active), lazyload(User.role)))
    if assignee_id is not None:
        query = query.where(Task.assignee_id == assignee_id)
    if contact_id is not None:
        query = query.where(Task.contact_id == contact_id)
    return query


def group_page(group: Group, today: date, *, assignee_id: int | None = None, contact_id: int | None = None,
               after: str | None = None, limit: int = GROUP_LIMIT) -> tuple[list[Task], str | None]:
    """Up to `limit` tasks of `group` after the cursor, and the next cursor if there are more."""
    query = base_query(assignee_id, contact_id).where(group.condition(today))
    values = group.parse(after)
    if values is not None:
        query = query.where(_after(group.order, values))
    query = query.order_by(*(c.desc() if desc else c.asc() for c, desc in group.order)).limit(limit + 1)
    tasks = list(db.session.scalars(query).unique())
    more = len(tasks) > limit
    tasks = tasks[:limit]
    return tasks, (group.key_of(tasks[-1]) if more and tasks else None)


def open_for_contact(contact_id: int, limit: int = 10) -> tuple[list[Task], bool]:
    """The contact's open tasks by due date (undated last), and whether there are more."""
    query = (base_query(contact_id=contact_id).where(Task.done_at.is_(None))
             .order_by(Task.due_date.is_(None), Task.due_date, Task.id).limit(limit + 1))
    tasks = list(db.session.scalars(query).unique())
    return tasks[:limit], len(tasks) > limit


def due_for(user_id: int, today: date, limit: int = WIDGET_LIMIT, cap: int = WIDGET_COUNT_CAP):
    """Today's and overdue open tasks of a user, oldest due first, and their count capped at `cap`
    (the count is `cap + 1` when there are more)."""
    condition = and_(Task.assignee_id == user_id, Task.done_at.is_(None), Task.due_date <= today)
    query = base_query().where(condition).order_by(Task.due_date, Task.id).limit(limit)
    tasks = list(db.session.scalars(query).unique())
    if len(tasks) < limit:
        return tasks, len(tasks)
    ids = _live(db.select(Task.id)).where(condition).limit(cap + 1).subquery()
    return tasks, db.session.scalar(db.select(db.func.count()).select_from(ids))


def active_users() -> list[tuple[int, str]]:
    """(id, name) of the users a task can be assigned to."""
    return [tuple(row) for row in db.session.execute(
        db.select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id))]


# Changes

def may_delete(task: Task, user) -> bool:
    return can("contacts.edit") and (
        can("contacts.delete") or user.id in (task.created_by_id, task.assignee_id))


def _label(task: Task) -> str:
    return f"“{task.title[:80]}”"


def create(values: dict, *, user) -> Task:
    task = Task(created_by_id=user.id, **values)
    db.session.add(task)
    db.session.flush()
    audit.record(audit.CREATE, task, user=user, summary=f"Added the task {_label(task)}",
                 changes={k: (None, v) for k, v in values.items() if v not in (None, "")})
    return task


def update(task: Task, values: dict, *, user) -> dict:
    changes = audit.diff(task, values)
    if changes:
        audit.record(audit.UPDATE, task, user=user, summary=f"Edited the task {_label(task)}", changes=changes)
    return changes


def complete(task: Task, *, user) -> bool:
    if task.done_at is not None:
        return False
    task.done_at = utcnow()
    audit.record(audit.UPDATE, task, user=user, summary=f"Completed the task {_label(task)}",
                 changes={"done": (False, True)})
    return True


def reopen(task: Task, *, user) -> bool:
    if task.done_at is None:
        return False
    task.done_at = None
    audit.record(audit.UPDATE, task, user=user, summary=f"Reopened the task {_label(task)}",
                 changes={"done": (True, False)})
    return True


def delete(task: Task, *, user) -> None:
    audit.record(audit.DELETE, task, user=user, summary=f"Deleted the task {_label(task)}",
                 changes={"title": (task.title, None), "contact_id": (task.contact_id, None)})
    db.session.delete(task)
