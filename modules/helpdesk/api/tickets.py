"""Tickets: /tickets. Read with helpdesk.view; open, change and answer with
helpdesk.reply, as on the pages."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.helpdesk import requesters, services
from modules.helpdesk.api.schemas import ALLOWED, TicketPage, TicketQuery, TicketSchema, show, show_message
from modules.helpdesk.models import ACTIVE, IN, Team, Ticket, TicketMessage

API = "api"  # the ticket's channel
blp = Blueprint("api_helpdesk_tickets", __name__, description="Helpdesk tickets and their conversations")


def load(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        problems.abort_with(404, "Not found", f"There is no ticket {ticket_id}.")
    return ticket


def _errors(form) -> dict:
    return {name: list(messages) for name, messages in form.errors.items()}


@blp.route("/tickets")
@permission_required("helpdesk.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(TicketQuery, location="query", as_kwargs=False)
@blp.response(200, TicketPage)
def index(paging, query):
    """Tickets, oldest first, filtered by status, team, assignee, requester."""
    stmt = select(Ticket)
    if query["status"] == "active":
        stmt = stmt.where(Ticket.status.in_(ACTIVE))
    elif query["status"]:
        stmt = stmt.where(Ticket.status == query["status"])
    for name in ("team_id", "assignee_id", "requester_id"):
        if query[name] is not None:
            stmt = stmt.where(getattr(Ticket, name) == query[name])
    rows, cursor = lists.by_id(stmt, Ticket.id, paging["after"], paging["limit"])
    return lists.envelope([show(t) for t in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/tickets", methods=["POST"])
@permission_required("helpdesk.reply")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(TicketSchema, as_kwargs=False)
@blp.response(201, TicketSchema)
def create(body):
    """Open a ticket for a requester (found by email, or a new contact), as
    an agent logs one on the "New ticket" page; channel "api"."""
    from modules.helpdesk.views.ticket_extras import new_ticket_form

    posted = MultiDict({"email": body.get("requester_email") or "", "name": body.get("requester_name") or "",
                        "subject": body.get("subject") or "", "body": body.get("text") or "",
                        "team_id": str(body.get("team_id") or ""), "priority": body.get("priority") or "normal"})
    form = new_ticket_form(posted, meta={"csrf": False})
    del form.channel  # the API is its own channel
    if not form.validate():
        errors = _errors(form)
        names = {"email": "requester_email", "name": "requester_name", "body": "text"}
        problems.invalid({names.get(k, k): v for k, v in errors.items()})
    user = current_user._get_current_object()
    email = form.email.data.strip().lower()
    requester = requesters.find_or_create(email, form.name.data or "")
    team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
    ticket = services.open_ticket(subject=form.subject.data.strip(), requester=requester, email=email, team=team,
                                  channel=API, priority=form.priority.data)
    services.add_message(ticket, IN, text=form.body.data, from_address=email, from_name=form.name.data or "",
                         subject=ticket.subject, author_id=user.id)
    if body.get("status") or body.get("assignee_id") is not None:
        _change(ticket, body, user)
    data = show(ticket)
    return data, 201, {"Location": url_for("api_helpdesk_tickets.read", ticket_id=ticket.id),
                       "ETag": writes.etag_of(data)}


@blp.route("/tickets/<id:ticket_id>")
@permission_required("helpdesk.view")
@blp.response(200, TicketSchema)
def read(ticket_id: int):
    """The ticket with its messages, notes and events, oldest first."""
    ticket = load(ticket_id)
    data = show(ticket)
    messages = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                  .order_by(TicketMessage.created_at, TicketMessage.id))
    return {**data, "messages": [show_message(m) for m in messages]}, 200, {"ETag": writes.etag_of(data)}


def _change(ticket: Ticket, body: dict, user) -> None:
    """Status, priority, team and assignee, checked by the ticket page's form
    and saved by the same services."""
    from modules.helpdesk.views.ticket import ticket_form

    current = {"status": ticket.status, "priority": ticket.priority, "team_id": ticket.team_id,
               "assignee_id": ticket.assignee_id}
    wanted = {**current, **{k: body[k] for k in current if k in body}}
    posted = MultiDict({"status": wanted["status"], "priority": wanted["priority"],
                        "team_id": str(wanted["team_id"] or ""), "assignee_id": str(wanted["assignee_id"] or ""),
                        "tags": ticket.tags or "", "cc": ticket.cc or ""})
    form = ticket_form(ticket, posted, meta={"csrf": False})
    if not form.validate():
        problems.invalid({k: v for k, v in _errors(form).items()})
    services.set_status(ticket, form.status.data, user)
    services.update(ticket, {"priority": form.priority.data, "team_id": form.team_id.data,
                             "assignee_id": form.assignee_id.data}, user)


@blp.route("/tickets/<id:ticket_id>", methods=["PATCH"])
@permission_required("helpdesk.reply")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(TicketSchema(partial=True, only=("status", "priority", "team_id", "assignee_id")), as_kwargs=False)
@blp.response(200, TicketSchema)
def update(body, ticket_id: int):
    """Change status, priority, team or assignee; with If-Match, a ticket
    changed meanwhile (a reply came in, a colleague assigned it) is a 412."""
    ticket = load(ticket_id)
    writes.check_if_match(ticket, show)
    _change(ticket, body, current_user._get_current_object())
    data = show(ticket)
    return data, 200, {"ETag": writes.etag_of(data)}
