"""A contact's help-centre data under the contact hooks (contact_hooks.py):
portal sign-in links and sessions, and satisfaction ratings of their tickets.
Merging moves them to the survivor; erasing deletes the sign-in rows (they
hold the address) and the rating comments, keeping ratings for statistics;
exporting lists the ratings."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app.extensions import db
from modules.helpdesk.models import NUMBER_OFFSET, Ticket
from modules.helpdesk.portal.models import PortalSession, SignInLink
from modules.helpdesk.surveys.models import Satisfaction


def merge(survivor_id: int, merged_id: int) -> None:
    for model in (SignInLink, PortalSession):
        db.session.execute(update(model).where(model.contact_id == merged_id).values(contact_id=survivor_id)
                           .execution_options(synchronize_session=False))


def erase(contact_id: int, redacted: str) -> None:
    for model in (SignInLink, PortalSession):
        db.session.execute(delete(model).where(model.contact_id == contact_id)
                           .execution_options(synchronize_session=False))
    tickets = select(Ticket.id).where(Ticket.requester_id == contact_id).scalar_subquery()
    db.session.execute(update(Satisfaction).where(Satisfaction.ticket_id.in_(tickets), Satisfaction.comment != "")
                       .values(comment=redacted).execution_options(synchronize_session=False))


def export(contact_id: int) -> list[dict]:
    rows = db.session.execute(select(Satisfaction).join(Ticket, Ticket.id == Satisfaction.ticket_id)
                              .where(Ticket.requester_id == contact_id).order_by(Satisfaction.id)).scalars()
    return [{"ticket": r.ticket_id + NUMBER_OFFSET, "rating": r.rating, "comment": r.comment,
             "rated_at": r.rated_at.isoformat() if r.rated_at else None} for r in rows]
