"""What the ticket page gained with SLAs and automation, kept out of
ticket.py: the SLA panel, who else is here (presence), canned replies for
the reply box, merging into another ticket, attachments and CCs on
replies, and the form for a ticket an agent logs (phone, in person)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.forms import choices
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.helpdesk import attachments, canned, presence, requesters, services, sla
from modules.helpdesk.automation_forms import MergeForm, NewTicketForm
from modules.helpdesk.merge import MergeRefused, merge
from modules.helpdesk.models import IN, NUMBER_OFFSET, Team, Ticket
from modules.helpdesk.parsing import Part
from modules.helpdesk.views import bp

MAX_FILES = 10


def context(ticket: Ticket, merge_form=None) -> dict:
    user = current_user._get_current_object()
    presence.mark(ticket.id, user.id, user.name)
    follows = db.session.get(Ticket, ticket.follows_id) if ticket.follows_id else None
    merged_into = db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
    return {"sla_targets": sla.targets(ticket), "present": presence.others(ticket.id, user.id),
            "canned_replies": canned.search(user.id), "merge_form": merge_form or MergeForm(formdata=None),
            "follows": follows, "merged_into": merged_into, "max_size": size_words(attachments.max_bytes())}


def reply_files(form) -> list[Part] | None:
    """The files attached to a reply, with safe names; None (and an error on
    the field) when one is over the size limit or there are too many."""
    uploads = [f for f in request.files.getlist(form.files.name) if f and f.filename]
    if len(uploads) > MAX_FILES:
        form.files.errors = [f"Attach at most {MAX_FILES} files to one reply."]
        return None
    parts, limit = [], attachments.max_bytes()
    for upload in uploads:
        data = upload.read(limit + 1)
        if len(data) > limit:
            form.files.errors = [f"“{attachments.safe_name(upload.filename)}” is over the "
                                 f"{size_words(limit)} limit: nothing was sent."]
            return None
        parts.append(Part(attachments.safe_name(upload.filename),
                          (upload.mimetype or "application/octet-stream")[:120], data))
    total = sum(len(p.data) for p in parts)
    if total > limit:
        form.files.errors = [f"The files add up to more than {size_words(limit)}: nothing was sent."]
        return None
    return parts


def size_words(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


def split_cc(text: str | None) -> list[str]:
    return [a.strip() for a in (text or "").replace(";", ",").split(",") if a.strip()]


def check_cc(field) -> bool:
    wrong = []
    for address in split_cc(field.data):
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            wrong.append(address)
    if wrong:
        field.errors = [*field.errors, "Not an email address: " + ", ".join(wrong)]
    return not wrong


def clean_cc(text: str | None) -> str:
    return ", ".join(dict.fromkeys(a.lower() for a in split_cc(text)))[:2000]


@bp.route("/tickets/<int:ticket_id>/presence", methods=["GET", "POST"])
@permission_required("helpdesk.view")
def presence_panel(ticket_id: int):
    """Polled by the ticket page (GET: viewing; POST from the reply box: typing)."""
    user = current_user._get_current_object()
    presence.mark(ticket_id, user.id, user.name, typing=request.method == "POST")
    response = render_template("helpdesk/_presence.html", present=presence.others(ticket_id, user.id),
                               ticket_id=ticket_id)
    return response, 200, {"Vary": "HX-Request", "Cache-Control": "no-store"}


@bp.post("/tickets/<int:ticket_id>/merge")
@permission_required("helpdesk.reply")
def ticket_merge(ticket_id: int):
    from modules.helpdesk.views.ticket import _page

    source = db.get_or_404(Ticket, ticket_id)
    form = MergeForm()
    target = None
    if form.validate_on_submit():
        raw = form.target.data.strip().lstrip("#")
        number = int(raw) if raw.isdigit() else 0
        target = db.session.get(Ticket, number - NUMBER_OFFSET) if number > NUMBER_OFFSET else None
        if target is None:
            form.target.errors = [f"There is no ticket #{raw}."]
    if target is None:
        return _page(source, merge_form=form, status=422)
    try:
        moved = merge(source, target, current_user._get_current_object())
    except MergeRefused as refused:
        form.target.errors = [str(refused)]
        return _page(source, merge_form=form, status=422)
    db.session.commit()
    flash(f"Merged #{source.number} into #{target.number}: {moved} message(s) moved.", "success")
    return redirect_after_post(url_for("helpdesk.ticket", ticket_id=target.id), "helpdesk-changed")


def new_ticket_form(formdata=..., meta=None):
    """The "New ticket" form; `meta={"csrf": False}` for the API, which has no CSRF token."""
    kwargs = {"meta": meta} if meta else {}
    form = NewTicketForm(**kwargs) if formdata is ... else NewTicketForm(formdata=formdata, **kwargs)
    form.team_id.choices = choices([(None, "No team")] + [(t.id, t.name) for t in db.session.scalars(
        select(Team).order_by(Team.name))])
    return form


@bp.route("/tickets/new", methods=["GET", "POST"])
@permission_required("helpdesk.reply")
def ticket_new():
    """A ticket an agent logs: a phone call, a visit, or an email they forward by hand."""
    form = new_ticket_form(None if request.method == "GET" else ...)
    if request.method == "POST" and form.validate_on_submit():
        user = current_user._get_current_object()
        email = form.email.data.strip().lower()
        requester = requesters.find_or_create(email, form.name.data or "")
        team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
        ticket = services.open_ticket(subject=form.subject.data.strip(), requester=requester, email=email,
                                      team=team, channel=form.channel.data, priority=form.priority.data)
        services.add_message(ticket, IN, text=form.body.data, from_address=email,
                             from_name=form.name.data or "", subject=ticket.subject, author_id=user.id)
        db.session.commit()
        flash(f"Opened ticket #{ticket.number}.", "success")
        return redirect_after_post(url_for("helpdesk.ticket", ticket_id=ticket.id), "helpdesk-changed")
    status = 422 if form.errors else 200
    return render_template("helpdesk/ticket_new.html", form=form), status

