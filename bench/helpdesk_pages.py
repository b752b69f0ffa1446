"""The helpdesk pages to bench (issue 11: server p95 ≤ 30 ms at 500,000
tickets and 2,000,000 messages), found in the running app when the
`helpdesk` module is enabled: the ticket queue as it opens (its default
view) and the "All" view, the page of the ticket with the most messages,
the knowledge-base search (staff and public) and the request form's
article suggestions (what /help/new fetches while the customer types).

Each is {"path", "note"}, or {"missing": why}.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

KB_TERM = "receipt"  # a word of the seeded articles (modules/helpdesk/kb/seed.py)
SUGGEST = {"subject": "Where is my donation receipt?",
           "description": "I gave in November and have not had a receipt for Gift Aid yet."}


def _busy_ticket() -> dict:
    from app.extensions import db
    from modules.helpdesk.models import TicketMessage

    row = db.session.execute(select(TicketMessage.ticket_id, func.count()).group_by(TicketMessage.ticket_id)
                             .order_by(func.count().desc(), TicketMessage.ticket_id).limit(1)).first()
    if row is None:
        return {"missing": "no tickets in the data"}
    return {"path": f"/helpdesk/tickets/{row[0]}", "note": f"the ticket with the most messages ({row[1]:,})"}


def _counts() -> tuple[int, int]:
    from app.extensions import db
    from modules.helpdesk.models import Ticket, TicketMessage

    return (db.session.scalar(select(func.count()).select_from(Ticket)) or 0,
            db.session.scalar(select(func.count()).select_from(TicketMessage)) or 0)


def discover(app) -> dict | None:
    from modules.helpdesk.kb import search

    if "helpdesk" not in {m.name for m in app.extensions["steward"].enabled}:
        return None
    tickets, messages = _counts()
    size = f"{tickets:,} tickets, {messages:,} messages"
    found = len(search.public(KB_TERM))
    suggested = len(search.suggest(SUGGEST["subject"], SUGGEST["description"]))
    return {
        "tickets": tickets, "messages": messages,
        "queue": {"path": "/helpdesk/", "note": f"default view (“My tickets”: none are the bench user's); {size}"},
        "queue_all": {"path": "/helpdesk/?" + urlencode({"view": "all"}), "note": f"view “All”; {size}"},
        "ticket": _busy_ticket(),
        "kb_search": {"path": "/helpdesk/kb/?" + urlencode({"q": KB_TERM}), "note": f"staff search “{KB_TERM}”"},
        "kb_public": {"path": "/help/search?" + urlencode({"q": KB_TERM}),
                      "note": f"help centre search “{KB_TERM}”: {found:,} article{'' if found == 1 else 's'}"},
        "suggest": {"path": "/help/new/suggest?" + urlencode(SUGGEST),
                    "note": f"a subject and a description typed: {suggested:,} suggestions"},
    }
