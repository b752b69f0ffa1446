"""Open tasks assigned to a user, for their calendar feed (app/calendar_feed/)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.links import external_url
from app.registry import CalendarItem
from modules.contacts.models import Contact, Task


def items(user, start: date, end: date) -> list[CalendarItem]:
    rows = db.session.execute(
        select(Task.id, Task.title, Task.due_date, Task.notes, Contact.id, Contact.display_name)
        .outerjoin(Contact, Contact.id == Task.contact_id)
        .where(Task.assignee_id == user.id, Task.done_at.is_(None), Task.due_date >= start, Task.due_date <= end,
               Contact.deleted_at.is_(None))  # a trashed contact's tasks are out of sight, as in the task list
        .order_by(Task.due_date, Task.id).limit(2000))
    out = []
    for task_id, title, due, notes, contact_id, contact_name in rows:
        url = external_url("contacts.show", contact_id=contact_id) if contact_id else \
            external_url("contacts.edit_task", task_id=task_id)
        detail = f"Task for {contact_name}." if contact_name else "Task."
        out.append(CalendarItem(uid=f"task-{task_id}", title=f"Task: {title}", day=due, url=url,
                                detail=f"{detail}\n{notes}".strip()))
    return out
