"""Replies and internal notes: POST /tickets/{id}/messages, with
helpdesk.reply as on the ticket page. A reply goes out through
services.reply and the core mail service, threaded like the page's (the
ticket number in the subject, In-Reply-To and References); a note is never
mailed. With If-Match (the ticket's ETag), a ticket that changed since it
was read (a customer wrote again) is a 412 and nothing is sent: the API's
form of the page's "this ticket changed while you were writing"."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from werkzeug.datastructures import MultiDict

from app.api import problems, writes
from app.database import hold_row_lock
from app.permissions import permission_required
from modules.helpdesk import services
from modules.helpdesk.api.schemas import SETTABLE_STATUSES, MessageSchema, show, show_message
from modules.helpdesk.api.tickets import load
from modules.helpdesk.forms import KEEP, ReplyForm

blp = Blueprint("api_helpdesk_messages", __name__, description="Replies to the requester and internal notes")


class NewMessageSchema(ma.Schema):
    class Meta:
        name = "NewTicketMessage"

    kind = f.String(required=True, validate=v.OneOf(["reply", "note"]),
                    metadata={"description": "reply: mailed to the requester and the ticket's CC; note: staff only."})
    text = f.String(required=True, validate=v.Length(max=100_000))
    status = f.String(load_default=None, allow_none=True, validate=v.OneOf(SETTABLE_STATUSES),
                      metadata={"description": "Then set the ticket's status (a reply to a new ticket opens it)."})


@blp.route("/tickets/<id:ticket_id>/messages", methods=["POST"])
@permission_required("helpdesk.reply")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH, writes.IDEMPOTENCY_KEY])
@blp.arguments(NewMessageSchema, as_kwargs=False)
@blp.response(201, MessageSchema)
def create(body, ticket_id: int):
    form = ReplyForm(formdata=MultiDict({"body": body.get("text") or "", "kind": body["kind"],
                                         "then": body.get("status") or KEEP}), meta={"csrf": False})
    if not form.validate():
        names = {"body": "text", "then": "status"}
        problems.invalid({names.get(k, k): list(m) for k, m in form.errors.items()})
    ticket = load(ticket_id)
    hold_row_lock(ticket)  # no other reply between here and the commit, as on the page
    writes.check_if_match(ticket, show)
    user = current_user._get_current_object()
    then = form.then.data if form.then.data != KEEP else None
    if form.kind.data == "note":
        message = services.note(ticket, user, form.body.data)
        if then:
            services.set_status(ticket, then, user)
    else:
        message = services.reply(ticket, user, form.body.data, status=then)
    return show_message(message), 201, {"ETag": writes.etag_of(show(ticket))}
