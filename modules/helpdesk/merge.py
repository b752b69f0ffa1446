"""Merging two tickets: the conversation of one is moved into the other
(shown in time order there), its CC participants and requester join the
target's CCs, and it is left with the status "merged" pointing at the
target, so mail that threads to it later lands in the target
(threading.live). Nothing is copied and nothing is deleted."""

from __future__ import annotations

from sqlalchemy import update

from app import audit
from app.extensions import db
from modules.helpdesk import services, sla
from modules.helpdesk.models import EVENT, MERGED, Ticket, TicketMessage


class MergeRefused(ValueError):
    """Why two tickets cannot be merged, in words."""


def merge(source: Ticket, target: Ticket, user=None) -> int:
    """Move `source`'s messages into `target`; returns how many moved."""
    if source.id == target.id:
        raise MergeRefused("A ticket cannot be merged into itself.")
    if source.status == MERGED:
        raise MergeRefused(f"Ticket #{source.number} is already merged.")
    if target.status == MERGED:
        raise MergeRefused(f"Ticket #{target.number} was merged into another ticket; merge into that one.")
    moved = db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id == source.id)
                               .values(ticket_id=target.id)).rowcount
    db.session.expire(source, ["messages"])
    db.session.expire(target, ["messages"])
    participants = services.cc_list(target) + [source.requester_email] + services.cc_list(source)
    target.cc = ", ".join(a for a in dict.fromkeys(participants)
                          if a and a.lower() != (target.requester_email or "").lower())
    if source.created_at < target.created_at:
        target.created_at = source.created_at
    services.add_message(target, EVENT, text=f"Ticket #{source.number} “{source.subject}” was merged into this "
                                             f"one: {moved} message(s) moved here.")
    services.set_status(source, MERGED, user)
    source.merged_into_id = target.id
    services.add_message(source, EVENT, text=f"Merged into ticket #{target.number}.")
    sla.refresh(source)
    services.touch(target)
    audit.record(audit.UPDATE, target, user=user, summary=f"Merged ticket #{source.number} into #{target.number} "
                                                          f"({moved} message(s))")
    return moved
