"""Keyset paging of a queue sorted by due time: (due_at, id) ascending,
over the indexes on (due_at, id), (team_id, due_at, id) and
(assignee_id, due_at, id). Tickets with no running SLA target have no
due time and are not in this order. The cursor is `?due=<iso>&after=<id>`."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from sqlalchemy import and_, or_

from app.extensions import db
from app.ids import parse_id
from app.paging import PER_PAGE, Page
from modules.helpdesk.models import Ticket


def _cursor() -> tuple[datetime, int] | None:
    raw, after = request.args.get("due", ""), parse_id(request.args.get("after"))
    try:
        return (datetime.fromisoformat(raw), after) if raw and after else None
    except ValueError:
        return None


def _url(**cursor) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "due") and v != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)


def page(stmt, per_page: int = PER_PAGE) -> Page:
    stmt = stmt.where(Ticket.due_at.is_not(None))
    cursor = _cursor()
    if cursor is not None:
        due, after = cursor
        stmt = stmt.where(or_(Ticket.due_at > due, and_(Ticket.due_at == due, Ticket.id > after)))
    rows = db.session.scalars(stmt.order_by(Ticket.due_at, Ticket.id).limit(per_page + 1)).unique().all()
    more = len(rows) > per_page
    rows = list(rows[:per_page])
    next_url = _url(due=rows[-1].due_at.isoformat(), after=rows[-1].id) if more else None
    first_url = _url() if cursor is not None else None
    return Page(items=rows, next_url=next_url, prev_url=first_url, next_label="Next", prev_label="Soonest due")
