"""Canned replies and the acknowledgement: texts written in the core
template editor (Markdown or HTML, merge fields), filled in for a ticket.

The merge fields are the same for both: `contact.*` (the requester),
`ticket.*` and `agent.*` (who replies; the team for automatic mail).
A filled-in text goes into the reply box as plain text (app/templating/plaintext.py), which
the agent can still change before sending."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.templating import editor
from app.templating.formats import render_html
from app.templating.plaintext import html_to_text
from modules.helpdesk.automation_models import CannedReply
from modules.helpdesk.models import Ticket

GROUPS = editor.field_groups([
    ("contact", "the requester", [("contact.first_name", "First name", "Ann"),
                                  ("contact.last_name", "Last name", "Able"),
                                  ("contact.name", "Full name", "Ann Able"),
                                  ("contact.email", "Email address", "ann@example.org")]),
    ("ticket", [("ticket.number", "The ticket's number", "1042"),
                ("ticket.subject", "Its subject", "Receipt for my gift"),
                ("ticket.status", "Its status", "Open"),
                ("ticket.team", "Its team", "Supporter care")]),
    ("agent", "the person replying (the team, for automatic mail)",
     [("agent.name", "Name", "Sam Lee"), ("agent.email", "Email address", "sam@charity.example")]),
])
SAMPLE = {"contact": {"first_name": "Ann", "last_name": "Able", "name": "Ann Able", "email": "ann@example.org"},
          "ticket": {"number": 1042, "subject": "Receipt for my gift", "status": "Open", "team": "Supporter care"},
          "agent": {"name": "Sam Lee", "email": "sam@charity.example"}}

DEFAULT_ACK = ("Dear {{ contact.first_name or contact.name }},\n\n"
               "Thank you for your message. We have opened ticket #{{ ticket.number }} and will answer soon.\n\n"
               "Please keep [#{{ ticket.number }}] in the subject if you write again about this.\n\n"
               "{{ ticket.team }}")


def context(ticket: Ticket, agent=None) -> dict:
    contact = {"first_name": "", "last_name": "", "name": "", "email": ticket.requester_email}
    if ticket.requester_id:
        from modules.contacts.models import Contact

        person = db.session.get(Contact, ticket.requester_id)
        if person is not None:
            contact.update(first_name=person.first_name or "", last_name=person.last_name or "",
                           name=person.display_name or "")
    team = ticket.team.name if ticket.team else ""
    return {"contact": contact,
            "ticket": {"number": ticket.number, "subject": ticket.subject, "status": ticket.status_label,
                       "team": team},
            "agent": {"name": getattr(agent, "name", "") or team, "email": getattr(agent, "email", "") or ""}}


def unknown_fields(source: str) -> list[str]:
    """Problems for the editor: names that are not merge fields, or a syntax error."""
    from app.templating import names_used
    from app.templating.errors import TemplateProblem

    try:
        used = names_used(source or "")
    except TemplateProblem as problem:
        return [str(problem)]
    return [f"There is no merge field “{{{{ {name} }}}}”: use contact, ticket or agent."
            for name in sorted(used - set(SAMPLE))]


def fill(source: str, format: str, ticket: Ticket, agent=None) -> tuple[str, str]:
    """(plain text, HTML) of `source` filled in for `ticket`."""
    html = render_html(source, context(ticket, agent), format)
    return html_to_text(html).strip(), html


def visible(user_id: int):
    """Shared canned replies and the user's own."""
    return or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == user_id)


def search(user_id: int, q: str = "", limit: int = 200) -> list[CannedReply]:
    stmt = select(CannedReply).where(visible(user_id))
    if q:
        needle = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(CannedReply.name.ilike(needle, escape="\\"), CannedReply.body.ilike(needle, escape="\\")))
    return db.session.scalars(stmt.order_by(CannedReply.name, CannedReply.id).limit(limit)).all()
