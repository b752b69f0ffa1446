"""Satisfaction surveys: when a ticket is solved, its requester gets an
email with a one-click good/bad link. The link is signed (itsdangerous,
the app's secret, its own salt) over the ticket id and a random key stored
on the survey row, so a link cannot be made for another ticket; opening it
(GET) only shows the choice, saving it is a POST, so mail scanners that
fetch links do not vote. One rating per ticket, changeable until the
ticket is closed."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app import audit, links, mail
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk import signals
from modules.helpdesk.models import CLOSED, MERGED, NUMBER_OFFSET, Ticket
from modules.helpdesk.surveys.models import BAD, GOOD, RATINGS, Satisfaction

SALT = "steward.helpdesk.survey"
COMMENT_MAX = 2000


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(survey: Satisfaction) -> str:
    return _serializer().dumps({"t": survey.ticket_id, "k": survey.key})


def read(token_text: str) -> Satisfaction | None:
    try:
        payload = _serializer().loads(token_text)
        ticket_id, key = int(payload["t"]), str(payload["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    survey = db.session.scalar(select(Satisfaction).where(Satisfaction.ticket_id == ticket_id))
    if survey is None or not secrets.compare_digest(survey.key, key):
        return None
    return survey


def send(ticket: Ticket, user=None) -> Satisfaction | None:
    """Ask the requester once per ticket (a ticket solved again is not asked again)."""
    if not ticket.requester_email:
        return None
    if db.session.scalar(select(Satisfaction.id).where(Satisfaction.ticket_id == ticket.id)) is not None:
        return None
    survey = Satisfaction(ticket_id=ticket.id, key=secrets.token_urlsafe(24),
                          agent_id=ticket.assignee_id or getattr(user, "id", None), team_id=ticket.team_id)
    db.session.add(survey)
    db.session.flush()
    link = token(survey)
    good = links.external_url("help.survey", token=link, rating=GOOD)
    bad = links.external_url("help.survey", token=link, rating=BAD)
    text = (f"Hello,\n\nYour request #{ticket.number} “{ticket.subject}” is solved.\n"
            "How did we do? One click tells us:\n\n"
            f"Good, I'm satisfied: {good}\n\nBad, I'm unsatisfied: {bad}\n\n"
            "You can add a comment on the page that opens. Thank you!\n")
    html = (f"<p>Hello,</p><p>Your request #{ticket.number} “{_esc(ticket.subject)}” is solved.</p>"
            "<p>How did we do? One click tells us:</p>"
            f'<p><a href="{good}">Good, I\'m satisfied</a> &nbsp; · &nbsp; '
            f'<a href="{bad}">Bad, I\'m unsatisfied</a></p>'
            "<p>You can add a comment on the page that opens. Thank you!</p>")
    mail.send(ticket.requester_email, f"How did we do? [#{ticket.number}]", text, html,
              category="helpdesk.survey", headers={"Auto-Submitted": "auto-generated"})
    return survey


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def open_for_rating(survey: Satisfaction) -> bool:
    ticket = db.session.get(Ticket, survey.ticket_id)
    return ticket is not None and ticket.status not in (CLOSED, MERGED)


def rate(survey: Satisfaction, rating: str, comment: str) -> None:
    if rating not in RATINGS:
        raise ValueError(rating)
    before = survey.rating
    survey.rating, survey.comment, survey.rated_at = rating, comment.strip()[:COMMENT_MAX], utcnow()
    audit.record(audit.UPDATE, survey, changes={"rating": (before, rating)},
                 summary=f"Satisfaction rating “{rating}” on ticket #{survey.ticket_id + NUMBER_OFFSET}")


def _on_solved(ticket, user=None, **_):
    send(ticket, user)


signals.ticket_solved.connect(_on_solved, weak=False)
