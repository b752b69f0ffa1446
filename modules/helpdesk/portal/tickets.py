"""What a signed-in contact may see and do with tickets: their own, and
their organisation's when the `portal_org_tickets` setting allows it; a
reply threads into the ticket as a customer message."""

from __future__ import annotations

from sqlalchemy import or_, select

from app import settings
from app.extensions import db
from modules.contacts.models import ORGANISATION, Contact, Relationship
from modules.helpdesk import services
from modules.helpdesk.models import CLOSED, EVENT, IN, MERGED, NOTE, OPEN, SOLVED, WAITING, Ticket, TicketMessage

LIST_LIMIT = 100


def org_ids(contact_id: int) -> list[int]:
    """The organisations a person is linked to (employer, member, ...)."""
    rows = db.session.execute(select(Relationship.contact_a_id, Relationship.contact_b_id).where(
        or_(Relationship.contact_a_id == contact_id, Relationship.contact_b_id == contact_id))).all()
    others = {b if a == contact_id else a for a, b in rows}
    if not others:
        return []
    return list(db.session.scalars(select(Contact.id).where(Contact.id.in_(others), Contact.kind == ORGANISATION)))


def colleagues(contact_id: int) -> set[int]:
    """The contact, their organisations, and the people linked to those."""
    orgs = org_ids(contact_id)
    people = {contact_id, *orgs}
    if orgs:
        rows = db.session.execute(select(Relationship.contact_a_id, Relationship.contact_b_id).where(
            or_(Relationship.contact_a_id.in_(orgs), Relationship.contact_b_id.in_(orgs)))).all()
        people |= {x for row in rows for x in row}
    return people


def org_allowed() -> bool:
    return bool(settings.get("helpdesk", "portal_org_tickets"))


def visible_requesters(contact_id: int) -> set[int]:
    return colleagues(contact_id) if org_allowed() else {contact_id}


def tickets(contact_id: int) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(
        Ticket.requester_id.in_(visible_requesters(contact_id)), Ticket.status != MERGED)
        .order_by(Ticket.id.desc()).limit(LIST_LIMIT)))


def ticket_for(contact_id: int, ticket_id: int) -> Ticket | None:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.requester_id not in visible_requesters(contact_id):
        return None
    return ticket


def conversation(ticket: Ticket) -> list[TicketMessage]:
    """What the customer may read: mail in and out, never notes or events."""
    return list(db.session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.direction.not_in((NOTE, EVENT)))
        .order_by(TicketMessage.id)))


def can_reply(ticket: Ticket) -> bool:
    return ticket.status not in (CLOSED, MERGED)


def reply(ticket: Ticket, contact: Contact, email: str, text: str) -> TicketMessage:
    message = services.add_message(ticket, IN, text=text, from_address=email, from_name=contact.display_name,
                                   subject=f"Re: {ticket.subject}")
    if ticket.status in (SOLVED, WAITING):
        services.set_status(ticket, OPEN)
    return message
