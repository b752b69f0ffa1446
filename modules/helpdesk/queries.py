"""The queues: which tickets a view shows, as one statement for keyset
paging (app/paging.py) over an index on (filter, status, id)."""

from __future__ import annotations

from sqlalchemy import or_, select

from modules.helpdesk.models import ACTIVE, PRIORITIES, STATUSES, Ticket

VIEWS = {"mine": "My tickets", "unassigned": "Unassigned", "overdue": "Overdue", "waiting": "Waiting on customer",
         "team": "Team queue", "all": "All tickets"}


def statement(view: str, user_id: int, *, team_id: int | None = None, status: str = "active",
              priority: str = "", q: str = "", requester_id: int | None = None):
    stmt = select(Ticket)
    if view == "mine":
        stmt = stmt.where(Ticket.assignee_id == user_id)
    elif view == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif view == "team" and team_id:
        stmt = stmt.where(Ticket.team_id == team_id)
    elif view == "overdue":  # a target has passed: due_at in the past (indexed), or flagged by the SLA check
        from app.models.base import utcnow

        stmt = stmt.where(or_(Ticket.due_at <= utcnow(), Ticket.breached != ""))
    elif view == "waiting":
        stmt = stmt.where(Ticket.status == "waiting")
    if requester_id:
        stmt = stmt.where(Ticket.requester_id == requester_id)
    if status == "active":
        stmt = stmt.where(Ticket.status.in_(ACTIVE))
    elif status in STATUSES:
        stmt = stmt.where(Ticket.status == status)
    if priority in PRIORITIES:
        stmt = stmt.where(Ticket.priority == priority)
    if q:
        from app.paging import prefix_like

        stmt = stmt.where(prefix_like(Ticket.subject_key, " ".join(q.split()).casefold()))
    return stmt
