"""The helpdesk on the contact page: the Tickets panel and timeline entries;
its part in merges (tickets move to the survivor) and privacy requests
(export lists them; erase replaces what people wrote with a marker and
keeps the ticket's times, for the statistics)."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, url_for
from sqlalchemy import select, update

from app.extensions import db
from app.permissions import can
from modules.contacts.hooks import Panel, TimelineEntry
from modules.helpdesk import attachments
from modules.helpdesk.models import Ticket, TicketAttachment, TicketMessage
from modules.helpdesk.surveys import contact_data

PANEL_ROWS = 10
ERASED = "[erased]"


def tickets_panel(contact) -> str:
    rows = db.session.scalars(select(Ticket).where(Ticket.requester_id == contact.id)
                              .order_by(Ticket.id.desc()).limit(PANEL_ROWS + 1)).all()
    return render_template("helpdesk/contact_panel.html", contact=contact, rows=rows[:PANEL_ROWS],
                           more=len(rows) > PANEL_ROWS)


def panels() -> list[Panel]:
    return [Panel("tickets", "Tickets", "helpdesk.view", tickets_panel, order=55)]


def timeline(contact_id: int, before: datetime | None, limit: int) -> list[TimelineEntry]:
    if not can("helpdesk.view"):
        return []
    query = select(Ticket).where(Ticket.requester_id == contact_id)
    if before is not None:
        query = query.where(Ticket.created_at < before)
    rows = db.session.scalars(query.order_by(Ticket.created_at.desc()).limit(limit)).all()
    return [TimelineEntry(at=t.created_at, kind="ticket", title=f"Ticket #{t.number}: {t.subject}",
                          body=t.status_label, url=url_for("helpdesk.ticket", ticket_id=t.id)) for t in rows]


def merge(survivor_id: int, merged_id: int) -> None:
    db.session.execute(update(Ticket).where(Ticket.requester_id == merged_id).values(requester_id=survivor_id)
                       .execution_options(synchronize_session=False))
    contact_data.merge(survivor_id, merged_id)


def export(contact_id: int) -> dict:
    tickets = db.session.scalars(select(Ticket).where(Ticket.requester_id == contact_id).order_by(Ticket.id)).all()
    out = []
    for t in tickets:
        messages = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == t.id,
                                                                  TicketMessage.direction.in_(("in", "out")))
                                      .order_by(TicketMessage.id)).all()
        out.append({"number": t.number, "subject": t.subject, "status": t.status,
                    "created_at": t.created_at.isoformat(),
                    "messages": [{"direction": m.direction, "at": m.created_at.isoformat(), "from": m.from_address,
                                  "subject": m.subject, "text": m.body_text} for m in messages]})
    return {"tickets": out, "satisfaction": contact_data.export(contact_id)}


def erase(contact_id: int) -> None:
    """Replace what the person wrote and what was written to them; keep times, status and counts."""
    contact_data.erase(contact_id, ERASED)
    ticket_ids = select(Ticket.id).where(Ticket.requester_id == contact_id).scalar_subquery()
    db.session.execute(update(Ticket).where(Ticket.requester_id == contact_id).values(
        subject=ERASED, subject_key="", requester_email="", cc="").execution_options(synchronize_session=False))
    db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids)).values(
        body_text=ERASED, new_text=ERASED, body_html="", subject=ERASED, from_address="", from_name="", to="",
        cc="").execution_options(synchronize_session=False))
    files = db.session.scalars(select(TicketAttachment).join(TicketMessage).where(
        TicketMessage.ticket_id.in_(ticket_ids))).all()
    for row in files:
        path = attachments.full_path(row)
        if path is not None:
            path.unlink()
        row.path, row.filename, row.note = "", ERASED, "Erased with the contact's personal data."
