"""Rules applied when a ticket is opened, from any channel
(services.open_ticket calls `apply`): "when a ticket arrives from an
address at an organisation tagged Major donor, set priority high and assign
it to the development team".

A small, closed set of conditions and actions, stored as JSON lists of
{"field": ..., "value": ...} / {"action": ..., "value": ...}; every value
is compared or looked up, never evaluated. Rules run in order (position,
then id); every condition of a rule must hold (a rule without conditions
matches every ticket); "stop" ends the run after a rule that matched. What
a rule did is written on the ticket (an event in its conversation) and in
the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from app import audit
from app.extensions import db
from app.models import User
from modules.helpdesk.automation_models import CannedReply, Rule
from modules.helpdesk.models import PRIORITIES, Team, Ticket

CONDITIONS = {
    "channel": "Channel is",
    "team": "Team is",
    "mailbox": "Arrived at mailbox",
    "sender": "Sender's address is",
    "domain": "Sender's domain is",
    "subject": "Subject contains",
    "tag": "Requester or their organisation is tagged",
    "segment": "Requester is in the segment",
}
ACTIONS = {
    "assign": "Assign to",
    "priority": "Set the priority to",
    "team": "Move to the team",
    "tag": "Add the tag",
    "canned": "Send the canned reply",
}


@dataclass
class Context:
    """What conditions look at, gathered once per ticket."""

    ticket: Ticket
    mailbox_id: int | None
    _tags: set[str] | None = field(default=None)

    def tags(self) -> set[str]:
        if self._tags is None:
            self._tags = contact_tags(self.ticket.requester_id)
        return self._tags


def contact_tags(contact_id: int | None) -> set[str]:
    """The tags of the contact and of the organisations it is related to, folded."""
    if not contact_id:
        return set()
    from modules.contacts.models import ORGANISATION, Contact, ContactTag, Relationship, Tag

    orgs = select(Contact.id).where(Contact.kind == ORGANISATION, or_(
        Contact.id.in_(select(Relationship.contact_b_id).where(Relationship.contact_a_id == contact_id)),
        Contact.id.in_(select(Relationship.contact_a_id).where(Relationship.contact_b_id == contact_id))))
    names = db.session.scalars(select(Tag.name).join(ContactTag, ContactTag.tag_id == Tag.id).where(
        or_(ContactTag.contact_id == contact_id, ContactTag.contact_id.in_(orgs))))
    return {name.casefold() for name in names}


def in_segment(contact_id: int | None, segment_id: int) -> bool:
    if not contact_id:
        return False
    from modules.contacts.lists import segments
    from modules.contacts.models import Contact, Segment

    segment = db.session.get(Segment, segment_id)
    if segment is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        Contact.id == contact_id, Contact.id.in_(segments.contact_ids_select(segment))))))


def holds(condition: dict, ctx: Context) -> bool:
    kind, value = condition.get("field"), str(condition.get("value") or "").strip()
    ticket = ctx.ticket
    sender = (ticket.requester_email or "").lower()
    if kind == "channel":
        return ticket.channel == value
    if kind == "team":
        return str(ticket.team_id or "") == value
    if kind == "mailbox":
        return str(ctx.mailbox_id or "") == value
    if kind == "sender":
        return bool(value) and sender == value.lower()
    if kind == "domain":
        domain = value.lower().lstrip("@")
        return bool(domain) and (sender.endswith("@" + domain) or sender.endswith("." + domain))
    if kind == "subject":
        return bool(value) and value.casefold() in (ticket.subject or "").casefold()
    if kind == "tag":
        return bool(value) and value.casefold() in ctx.tags()
    if kind == "segment":
        return value.isdigit() and in_segment(ticket.requester_id, int(value))
    return False  # an unknown condition never matches


def matches(rule: Rule, ctx: Context) -> bool:
    return all(holds(c, ctx) for c in loads(rule.conditions))


def loads(text: str) -> list[dict]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def do(action: dict, ticket: Ticket) -> str | None:
    """Carry out one action; what it did, in words (None when it could not)."""
    kind, value = action.get("action"), str(action.get("value") or "").strip()
    if kind == "assign" and value.isdigit():
        user = db.session.get(User, int(value))
        if user is not None and user.active:
            ticket.assignee_id = user.id
            return f"assigned to {user.name}"
    elif kind == "priority" and value in PRIORITIES:
        ticket.priority = value
        return f"priority {PRIORITIES[value]}"
    elif kind == "team" and value.isdigit():
        team = db.session.get(Team, int(value))
        if team is not None:
            ticket.team_id, ticket.team = team.id, team
            return f"moved to {team.name}"
    elif kind == "tag" and value:
        tags = [t.strip() for t in (ticket.tags or "").split(",") if t.strip()]
        if value.casefold() not in {t.casefold() for t in tags}:
            ticket.tags = ", ".join([*tags, value])[:500]
        return f"tagged {value}"
    elif kind == "canned" and value.isdigit():
        canned = db.session.get(CannedReply, int(value))
        if canned is not None and canned.owner_id is None:
            pending = ticket.__dict__.setdefault("_pending_canned", [])
            pending.append(canned.id)
            return f"canned reply “{canned.name}” to be sent"
    return None


def apply(ticket: Ticket, mailbox_id: int | None = None) -> list[str]:
    """Run the active rules on a ticket just opened; returns what was done."""
    ctx = Context(ticket, mailbox_id)
    done = []
    for rule in db.session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.position, Rule.id)):
        if not matches(rule, ctx):
            continue
        did = [d for d in (do(a, ticket) for a in loads(rule.actions)) if d]
        line = f"Rule “{rule.name}”: " + ("; ".join(did) if did else "matched, nothing to do") + "."
        # Written on the ticket after its first message (services.add_message), so it reads in order.
        ticket.__dict__.setdefault("_pending_events", []).append(line)
        audit.record(audit.UPDATE, ticket, summary=f"Ticket #{ticket.number}: {line}")
        done.append(line)
        if rule.stop:
            break
    return done


def describe(rule: Rule, names: dict[str, dict[str, str]]) -> tuple[str, str]:
    """The rule in words for the list: ("if ...", "then ...")."""
    def value(kind: str, raw: str) -> str:
        return names.get(kind, {}).get(str(raw), str(raw))

    conds = [f"{CONDITIONS.get(c.get('field'), '?').lower()} “{value(c.get('field'), c.get('value'))}”"
             for c in loads(rule.conditions)]
    acts = [f"{ACTIONS.get(a.get('action'), '?').lower()} “{value('action_' + str(a.get('action')), a.get('value'))}”"
            for a in loads(rule.actions)]
    return (" and ".join(conds) or "every new ticket"), ("; ".join(acts) or "nothing")

