"""Demo and benchmark tickets for `flask seed --contacts N` (the manifest's
`seed` hook), run after contacts: three teams, their SLA policies, a few
shared canned replies and a rule, and about one ticket for every two
contacts (requesters are contacts with an email address), each with a
conversation of two to five messages over the last year.

Rows are built in memory as tuples per chunk and inserted through
`app.bulk_insert` (tickets with `insert_returning_ids`, their messages
after), never through the ORM, so thousands of tickets take seconds. Open
tickets get their SLA targets from the same business-time function as live
ones; solved and closed tickets keep none."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from sqlalchemy import select

from app.bulk_insert import insert_returning_ids, insert_rows
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.helpdesk import business_time, calendar, subjects, ticket_days, ticket_times
from modules.helpdesk.automation_models import CannedReply, Rule, SlaPolicy
from modules.helpdesk.models import CLOSED, IN, NEW, NOTE, OPEN, OUT, SOLVED, WAITING, Team, Ticket, TicketMessage

CHUNK = 2_000
TEAMS = (("Supporter care", "support@charity.example"), ("Parents' office", "office@school.example"),
         ("Development", "development@charity.example"))
SUBJECTS = ("Question about my donation receipt", "Change of address", "Gift Aid declaration",
            "Cancel my monthly gift", "Event tickets not received", "Update my email preferences",
            "Volunteering enquiry", "Legacy information pack", "Wrong amount on my statement",
            "School trip payment", "Uniform order", "Parents' evening booking")
LINES = ("Hello, could you help me with this?", "Thanks for getting back to me so quickly.",
         "I still have not received it, I am afraid.", "That sorted it, thank you!",
         "Please see the details below.", "Could you call me back this week?")
REPLIES = ("Thank you for getting in touch; we are looking into it.", "I have corrected that for you now.",
           "Could you send us your supporter number, please?", "We have posted it again today.")
CANNED = (("Receipt resent", "Dear {{ contact.first_name }},\n\nWe have sent the receipt for ticket "
           "#{{ ticket.number }} again.\n\n{{ agent.name }}"),
          ("Need supporter number", "Dear {{ contact.first_name }},\n\nCould you tell us your supporter number? "
           "It is on every letter we send.\n\n{{ agent.name }}"),
          ("Closing the ticket", "Dear {{ contact.first_name }},\n\nWe are closing ticket #{{ ticket.number }}; "
           "just reply if anything is left.\n\n{{ agent.name }}"))
STATUS_WEIGHTS = ((NEW, 8), (OPEN, 12), (WAITING, 8), (SOLVED, 30), (CLOSED, 42))


def _setup() -> list[tuple[int, int]]:
    """The teams (id, policy id), made once."""
    have = {t.name: t for t in db.session.scalars(select(Team))}
    for name, address in TEAMS:
        if name not in have:
            have[name] = Team(name=name, address=address, acknowledge=True)
            db.session.add(have[name])
    db.session.flush()
    out = []
    for name, _ in TEAMS:
        team = have[name]
        policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.team_id == team.id, SlaPolicy.priority == ""))
        if policy is None:
            policy = SlaPolicy(name=f"{name} standard", team_id=team.id, priority="", first_response_minutes=240,
                               next_response_minutes=480, resolution_minutes=2400, created_at=utcnow())
            db.session.add(policy)
            db.session.add(SlaPolicy(name=f"{name} urgent", team_id=team.id, priority="urgent",
                                     first_response_minutes=60, next_response_minutes=120,
                                     resolution_minutes=480, created_at=utcnow()))
        db.session.flush()
        out.append((team.id, policy.id))
    if not db.session.scalar(select(CannedReply.id).limit(1)):
        db.session.add_all(CannedReply(name=n, body=b, format="markdown", owner_id=None, updated_at=utcnow())
                           for n, b in CANNED)
    if not db.session.scalar(select(Rule.id).limit(1)):
        db.session.add(Rule(name="Gift Aid to Development", position=10, active=True, stop=False,
                            conditions=json.dumps([{"field": "subject", "value": "Gift Aid"}]),
                            actions=json.dumps([{"action": "team", "value": str(have["Development"].id)}]),
                            updated_at=utcnow()))
    db.session.commit()
    return out


TICKET_COLUMNS = ("subject", "subject_key", "requester_id", "requester_email", "cc", "status", "priority", "team_id",
                  "tags", "channel", "version", "created_at", "updated_at", "last_message_at", "solved_at",
                  "sla_policy_id", "first_response_due_at", "first_responded_at", "resolution_due_at", "due_at",
                  "sla_check_at", "breached", "paused_minutes", "paused_at", "response_us", "resolution_us")
MESSAGE_COLUMNS = ("ticket_id", "direction", "from_address", "from_name", "to", "cc", "subject", "message_id",
                   "in_reply_to", "references", "body_text", "new_text", "body_html", "auto", "created_at")


def seed(n: int, rng: random.Random, progress) -> None:
    teams = _setup()
    people = db.session.execute(select(Contact.id, Contact.email, Contact.first_name).where(
        Contact.deleted_at.is_(None), Contact.email.is_not(None), Contact.email != "").order_by(Contact.id)).all()
    if not people:
        return
    total = max(10, n // 2)
    cal = calendar.current()
    now = utcnow()
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    done = 0
    while done < total:
        size = min(CHUNK, total - done)
        tickets, conversations = [], []
        for _ in range(size):
            contact_id, email, first = rng.choice(people)
            team_id, policy_id = rng.choice(teams)
            subject = rng.choice(SUBJECTS)
            opened = now - timedelta(minutes=rng.randint(30, 365 * 24 * 60))
            status = rng.choice(statuses)
            if opened > now - timedelta(days=3) and status in (SOLVED, CLOSED):
                status = OPEN
            count = rng.randint(2, 5)
            times = sorted(opened + timedelta(minutes=rng.randint(0, 3 * 24 * 60)) for _ in range(count - 1))
            times = [opened] + [min(t, now) for t in times]
            answered = next((t for i, t in enumerate(times) if i % 2 == 1), None)
            # Every ticket keeps its policy's targets, solved ones too (the SLA report measures them);
            # only an open one has a clock running, and so a due time or a breach.
            due_first = business_time.add(cal, opened, 240)
            due_resolution = business_time.add(cal, opened, 2400)
            active = status in (NEW, OPEN, WAITING)
            running = [d for d in ((None if answered else due_first), due_resolution) if d] if active else []
            due = min(running) if running and status != WAITING else None
            breached = ", ".join(name for name, d in (("first response", None if answered else due_first),
                                                       ("resolution", due_resolution)) if d and d <= now
                                 ) if active else ""
            solved = times[-1] if status in (SOLVED, CLOSED) else None
            responded = answered
            tickets.append((subject, subjects.key(subject), contact_id, email.lower(), "", status,
                            rng.choice(("low", "normal", "normal", "normal", "high", "urgent")), team_id, "",
                            rng.choice(("email", "email", "email", "phone", "web")), count + 1, opened, times[-1],
                            times[-1], solved, policy_id, due_first, responded,
                            due_resolution, due, None if breached or not due else due, breached, 0,
                            times[-1] if status == WAITING else None,
                            *ticket_times.expected(opened, responded, solved)))  # in bulk, past its listener
            conversations.append((email.lower(), first or "", subject, times))
        ids = insert_returning_ids(Ticket.__table__, TICKET_COLUMNS, tickets)
        messages = []
        for ticket_id, (email, first, subject, times) in zip(ids, conversations, strict=True):
            for i, at in enumerate(times):
                direction = IN if i % 2 == 0 else (OUT if rng.random() < 0.85 else NOTE)
                text = rng.choice(LINES if direction == IN else REPLIES)
                if i == 0:
                    text = f"{text}\n\n{first}".strip()
                messages.append((ticket_id, direction, email if direction == IN else "", first if direction == IN
                                 else "", "" if direction == IN else email, "", subject,
                                 f"seed-{ticket_id}-{i}@seed.example" if direction != NOTE else None, "", "",
                                 text, text, "", False, at))
        insert_rows(TicketMessage.__table__, MESSAGE_COLUMNS, messages)
        db.session.commit()
        done += size
        progress(done, total, "tickets")
    ticket_days.rebuild()  # the tickets went in in bulk, past the flush listener that keeps the rollup
    db.session.commit()
    from modules.helpdesk.kb import seed as help_centre  # knowledge base and satisfaction ratings

    help_centre.seed(n, rng, progress)
