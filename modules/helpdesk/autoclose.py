"""The schedule helpdesk.auto_close: tickets waiting on the customer for
`auto_close_days` (a module setting; 0 turns it off) close themselves with
a note saying so. A customer's reply after that opens a new ticket linked
to the closed one (intake.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk import services
from modules.helpdesk.models import CLOSED, EVENT, WAITING, Ticket

BATCH = 500


def run(now: datetime | None = None) -> str:
    days = int(settings.get("helpdesk", "auto_close_days") or 0)
    if days <= 0:
        return "auto-close is off"
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    tickets = db.session.scalars(select(Ticket).where(Ticket.status == WAITING, Ticket.paused_at <= cutoff)
                                 .order_by(Ticket.id).limit(BATCH)).all()
    for ticket in tickets:
        services.add_message(ticket, EVENT, text=f"Closed automatically: no answer from the customer in {days} "
                                                 f"day{'s' if days != 1 else ''} of waiting.")
        services.set_status(ticket, CLOSED)
    db.session.commit()
    return f"closed {len(tickets)} ticket(s) waiting on the customer for {days} days"
