"""Hand-built tickets for the helpdesk report sources and standard
reports (the figures are worked out in the tests' comments). Times UTC.

T1 Care, email, Ann: created Mon 2026-03-02 09:00, answered 11:00 (2 h,
   due 13:00: met), solved 03-03 09:00 (24 h, due 03-04: met). Rated good (Ada).
T2 Care, web, Ann: created Wed 03-04 09:00, answered 17:00 (8 h, due 13:00:
   missed), solved 03-06 09:00 (48 h, due 03-05 09:00: missed); breached. Rated bad (Bo).
T3 Care, email, Ben: created Tue 03-10 09:00, answered 12:00 (3 h, due
   13:00: met), not solved (due 03-12: not met). Survey sent, not answered.
T4 Billing, phone, Ben: created Wed 04-01 09:00, no SLA policy, answered
   10:00 (1 h), solved 15:00 (6 h). Rated good (Bo).
T5 Billing, email, Ann: merged into T1 (left out everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.contacts.models import ContactTag, Tag
from modules.contacts.people import records
from modules.helpdesk.models import IN, MERGED, NOTE, OPEN, OUT, SOLVED, Team, Ticket, TicketMessage
from modules.helpdesk.surveys.models import Satisfaction


def at(month, day, hour):
    return datetime(2026, month, day, hour, tzinfo=UTC)


def build(bo_id: int) -> dict[str, int]:
    ids = {}
    for first in ("Ann", "Ben"):
        contact = records.create("person", {"first_name": first, "last_name": "Asker"})
        db.session.flush()
        ids[first] = contact.id
    vip = Tag(name="VIP")  # Ben: the contacts filter reaches tickets through their requester
    db.session.add(vip)
    db.session.flush()
    db.session.add(ContactTag(contact_id=ids["Ben"], tag_id=vip.id))
    ids["vip"] = vip.id
    care, billing = Team(name="Care"), Team(name="Billing")
    db.session.add_all([care, billing])
    db.session.flush()
    ada_id = db.session.scalar(select(User.id).where(User.email == "admin@example.org"))
    ids.update(care=care.id, billing=billing.id, ada=ada_id, bo=bo_id)

    def ticket(name, team, channel, who, created, responded, response_due, solved, resolution_due, breached="",
               status=None):
        t = Ticket(subject=name, requester_id=ids[who], requester_email=f"{who.lower()}@example.org",
                   team_id=team.id, channel=channel, status=status or (SOLVED if solved else OPEN),
                   created_at=created, first_responded_at=responded, first_response_due_at=response_due,
                   solved_at=solved, resolution_due_at=resolution_due, breached=breached, assignee_id=ada_id)
        db.session.add(t)
        db.session.flush()
        ids[name] = t.id
        return t

    t1 = ticket("T1", care, "email", "Ann", at(3, 2, 9), at(3, 2, 11), at(3, 2, 13), at(3, 3, 9), at(3, 4, 9))
    t2 = ticket("T2", care, "web", "Ann", at(3, 4, 9), at(3, 4, 17), at(3, 4, 13), at(3, 6, 9), at(3, 5, 9),
                breached="first response, resolution")
    t3 = ticket("T3", care, "email", "Ben", at(3, 10, 9), at(3, 10, 12), at(3, 10, 13), None, at(3, 12, 9))
    t4 = ticket("T4", billing, "phone", "Ben", at(4, 1, 9), at(4, 1, 10), None, at(4, 1, 15), None)
    ticket("T5", billing, "email", "Ann", at(4, 2, 9), None, None, None, None, status=MERGED)
    for t, direction in ((t1, IN), (t1, OUT), (t2, IN), (t2, NOTE), (t4, IN)):
        db.session.add(TicketMessage(ticket_id=t.id, direction=direction, body_text="words", created_at=t.created_at))
    for t, agent, rating, rated in ((t1, ada_id, "good", at(3, 3, 12)), (t2, bo_id, "bad", at(3, 6, 12)),
                                    (t3, ada_id, None, None), (t4, bo_id, "good", at(4, 1, 16))):
        db.session.add(Satisfaction(ticket_id=t.id, key=f"k{t.id}", agent_id=agent, team_id=t.team_id,
                                    rating=rating, rated_at=rated))
    db.session.commit()
    return ids
