"""A ticket's page: the conversation (customer mail, replies, internal
notes, events), the requester's other tickets, the reply box and the
ticket's properties.

Two agents answering at once: the reply form carries the ticket's version
as the page showed it. A reply posted against an older version is not
sent; the page comes back (409) with the draft kept, what arrived or was
sent meanwhile, and a "Send anyway" button. The properties form is an edit
form and goes through app/edits like every other."""

from __future__ import annotations

from flask import abort, flash, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from app import edits
from app.database import hold_row_lock
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_after_post
from app.permissions import can, permission_required
from modules.helpdesk import attachments, services
from modules.helpdesk.forms import KEEP, ReplyForm, TicketForm
from modules.helpdesk.models import CHANNELS, MERGED, Team, Ticket, TicketAttachment, TicketMessage
from modules.helpdesk.views import bp, ticket_extras
from modules.helpdesk.views.queues import users

OTHER_TICKETS = 10


def _ticket(ticket_id: int) -> Ticket:
    ticket = db.get_or_404(Ticket, ticket_id)
    return ticket


def ticket_form(ticket: Ticket, formdata=None, meta=None) -> TicketForm:
    """`meta={"csrf": False}`: checked for the API, which has no CSRF token."""
    kwargs = {"meta": meta} if meta else {}
    form = TicketForm(obj=ticket, **kwargs) if formdata is ... else TicketForm(obj=ticket, formdata=formdata, **kwargs)
    form.team_id.choices = choices([(None, "No team")] + [(t.id, t.name) for t in db.session.scalars(
        select(Team).order_by(Team.name))])
    form.assignee_id.choices = choices([(None, "Nobody")] + [(u.id, u.name) for u in users()])
    if ticket.status == MERGED:
        form.status.choices = [*form.status.choices, *choices([(MERGED, "Merged")])]
    return form


def _page(ticket: Ticket, *, form: TicketForm | None = None, reply: ReplyForm | None = None, since=None,
          status: int = 200, keep_version: bool = False, merge_form=None):
    # Time order: a merged ticket's messages interleave with this one's.
    messages = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                  .order_by(TicketMessage.created_at, TicketMessage.id)).all()
    others = db.session.scalars(select(Ticket).where(Ticket.requester_id == ticket.requester_id,
                                                     Ticket.id != ticket.id).order_by(Ticket.id.desc())
                                .limit(OTHER_TICKETS)).all() if ticket.requester_id else []
    if form is None:
        form = ticket_form(ticket)
        edits.stamp(form)
    if reply is None:
        reply = ReplyForm(formdata=None, version=ticket.version)
    if not keep_version:
        reply.version.data = ticket.version if since is None else reply.version.data
    people = {u.id: u.name for u in users()}
    requester = None
    if ticket.requester_id:
        from modules.contacts.models import Contact

        requester = db.session.get(Contact, ticket.requester_id)
    extra = ticket_extras.context(ticket, merge_form)
    return render_template("helpdesk/ticket.html", ticket=ticket, messages=messages, others=others, form=form,
                           reply=reply, since=since or [], people=people, requester=requester,
                           channels=CHANNELS, **extra), status


@bp.get("/tickets/<int:ticket_id>")
@permission_required("helpdesk.view")
def ticket(ticket_id: int):
    return _page(_ticket(ticket_id))


@bp.post("/tickets/<int:ticket_id>/reply")
@permission_required("helpdesk.reply")
def reply(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = ReplyForm()
    valid = form.validate_on_submit()
    files = ticket_extras.reply_files(form)
    if not valid or files is None:
        return _page(ticket, reply=form, status=422, keep_version=True)
    hold_row_lock(ticket)  # no other reply between this check and the commit
    ticket = _ticket(ticket_id)
    seen = int(form.confirmed.data or form.version.data or 0)
    if seen and seen != ticket.version:
        since = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                  .order_by(TicketMessage.id.desc()).limit(5)).all()
        db.session.rollback()
        ticket = _ticket(ticket_id)
        form.confirmed.data = str(ticket.version)
        flash_text = "This ticket changed while you were writing: read what is new below, then send or edit."
        return _page(ticket, reply=form, since=[(m, flash_text) for m in reversed(since)][:5], status=409)
    user = current_user._get_current_object()
    then = form.then.data if form.then.data != KEEP else None
    if form.kind.data == "note":
        services.note(ticket, user, form.body.data)
        if then:
            services.set_status(ticket, then, user)
        message = "Note added."
    else:
        services.reply(ticket, user, form.body.data, status=then, files=files)
        cc = services.cc_list(ticket)
        message = f"Reply sent to {ticket.requester_email}" + (f" and {', '.join(cc)}." if cc else ".")
    db.session.commit()
    flash(message, "success")
    return redirect_after_post(url_for("helpdesk.ticket", ticket_id=ticket.id) + "#latest", "helpdesk-changed")


@bp.post("/tickets/<int:ticket_id>")
@permission_required("helpdesk.reply")
def ticket_save(ticket_id: int):
    ticket = _ticket(ticket_id)

    def stored_form(formdata=None):
        return ticket_form(ticket, formdata)

    form = stored_form(...)
    valid = form.validate_on_submit()
    if not ticket_extras.check_cc(form.cc):
        valid = False
    if not valid:
        return _page(ticket, form=form, status=422)
    if not edits.settle(form, ticket, stored_form):
        return _page(_ticket(ticket_id), form=form, status=409)
    user = current_user._get_current_object()
    services.set_status(ticket, form.status.data, user)
    values = {"priority": form.priority.data, "team_id": form.team_id.data, "assignee_id": form.assignee_id.data,
              "tags": ", ".join(t.strip() for t in (form.tags.data or "").split(",") if t.strip()),
              "cc": ticket_extras.clean_cc(form.cc.data)}
    services.update(ticket, values, user)
    db.session.commit()
    flash(edits.saved_message("Saved.", form), "success")
    return redirect_after_post(url_for("helpdesk.ticket", ticket_id=ticket.id), "helpdesk-changed")


@bp.get("/attachments/<int:attachment_id>")
@permission_required("helpdesk.view")
def attachment(attachment_id: int):
    row = db.get_or_404(TicketAttachment, attachment_id)
    path = attachments.full_path(row)
    if path is None:
        abort(404)
    inline = row.content_type.startswith("image/") and row.content_type != "image/svg+xml"
    return send_file(path, mimetype=row.content_type if inline else "application/octet-stream",
                     as_attachment=not inline, download_name=row.filename)


def can_reply() -> bool:
    return can("helpdesk.reply")
