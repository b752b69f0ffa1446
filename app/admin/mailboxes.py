"""Admin → Mailboxes: the mailboxes Steward reads for its modules (bounces,
helpdesk tickets), "Check now", and the messages taken in, with Retry for
those a module failed to handle (app/intake/)."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for

from app import audit, edits, schedules
from app.admin import bp
from app.admin.mailbox_forms import MailboxForm
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.intake import polling, retry
from app.models import InboundMessage, Mailbox
from app.paging import keyset
from app.permissions import permission_required

FIELDS = ("name", "kind", "active", "host", "port", "security", "username", "folder", "after", "move_to")


def _kinds() -> dict[str, str]:
    return {key: kind.title for key, kind in current_app.extensions["steward"].mailbox_kinds.items()}


def _form(mailbox: Mailbox | None, formdata=...):
    kwargs = {} if formdata is ... else {"formdata": formdata}
    kinds = _kinds()
    if mailbox is not None and mailbox.kind not in kinds:  # its module is disabled: keep it choosable
        kinds[mailbox.kind] = f"{mailbox.kind} (module disabled)"
    return MailboxForm(obj=mailbox, kinds=kinds, has_password=bool(mailbox and mailbox.password), **kwargs)


@bp.route("/mailboxes")
@permission_required("admin.settings")
def mailboxes():
    boxes = db.session.scalars(db.select(Mailbox).order_by(Mailbox.name)).all()
    stmt = db.select(InboundMessage)
    if request.args.get("status") in (InboundMessage.FAILED, InboundMessage.RECEIVED):
        stmt = stmt.where(InboundMessage.status == request.args["status"])
    listing = keyset(stmt, InboundMessage.id, newest_first=True)
    return render_template("admin/mailboxes.html", mailboxes=boxes, listing=listing, kinds=_kinds(),
                           names={box.id: box.name for box in boxes}, status=request.args.get("status", ""))


@bp.route("/mailboxes/new", methods=["GET", "POST"])
@permission_required("admin.settings")
def new_mailbox():
    if not _kinds():
        flash("No enabled module reads mail yet: enable Marketing (bounces) or the Helpdesk first.", "warning")
        return redirect_after_post(url_for("admin.mailboxes"))
    form = _form(None, None if request.method == "GET" else ...)
    if request.method == "POST" and form.validate() and not _name_taken(form):
        mailbox = Mailbox(last_uid=0, password="")
        _fill(mailbox, form)
        db.session.add(mailbox)
        db.session.flush()
        audit.record(audit.CREATE, mailbox, summary=f"Added the mailbox {mailbox.name}",
                     changes={name: (None, getattr(mailbox, name)) for name in FIELDS})
        schedules.wake(polling.NAME)
        db.session.commit()
        flash(f"The mailbox {mailbox.name} is saved; Steward reads it within a minute. "
              "Use Check now to see what the server says.", "success")
        return redirect_after_post(url_for("admin.edit_mailbox", mailbox_id=mailbox.id))
    return _page(form, None, status=422 if request.method == "POST" else 200)


@bp.route("/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@permission_required("admin.settings")
def edit_mailbox(mailbox_id: int):
    mailbox = db.get_or_404(Mailbox, mailbox_id)
    form = _form(mailbox, None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, mailbox)
    if not form.validate() or _name_taken(form, mailbox):
        return _page(form, mailbox, status=422)
    if not edits.settle(form, mailbox, lambda formdata=None: _form(mailbox, formdata)):
        return _page(form, mailbox, status=409)
    before = {name: getattr(mailbox, name) for name in FIELDS}
    server_before = (mailbox.host, mailbox.username, mailbox.folder)
    _fill(mailbox, form)
    if (mailbox.host, mailbox.username, mailbox.folder) != server_before:  # another folder: its own UIDs
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    after = {name: getattr(mailbox, name) for name in FIELDS}
    changes = {name: (before[name], after[name]) for name in FIELDS if before[name] != after[name]}
    if form.password.data:
        changes["password"] = ("(hidden)", "(hidden)")
    if changes:
        audit.record(audit.UPDATE, mailbox, summary=f"Changed the mailbox {mailbox.name}", changes=changes)
        schedules.wake(polling.NAME)
    db.session.commit()
    flash(edits.saved_message("The mailbox is saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("admin.edit_mailbox", mailbox_id=mailbox.id))


@bp.post("/mailboxes/<int:mailbox_id>/check")
@permission_required("admin.settings")
def check_mailbox(mailbox_id: int):
    mailbox = db.get_or_404(Mailbox, mailbox_id)
    form = _form(mailbox, None)
    edits.stamp(form)
    if not mailbox.host:
        flash("This mailbox has no IMAP server: it takes only what the mail server pipes to it.", "warning")
        return _page(form, mailbox)
    from app.intake import imap  # IMAPClient, loaded only for this

    return _page(form, mailbox, report=imap.check(mailbox))


@bp.route("/mailboxes/<int:mailbox_id>/delete", methods=["GET", "POST"])
@permission_required("admin.settings")
def delete_mailbox(mailbox_id: int):
    mailbox = db.get_or_404(Mailbox, mailbox_id)
    taken = db.session.scalar(db.select(db.func.count(InboundMessage.id))
                              .where(InboundMessage.mailbox_id == mailbox.id))
    if request.method == "GET":
        return confirm_page(f"Delete the mailbox {mailbox.name}?",
                            f"Delete the mailbox {mailbox.name}? Steward stops reading it and forgets the "
                            f"{taken} message(s) it took from it (what the modules made of them stays). "
                            "The mail on the server is not touched. This cannot be undone; to pause it, "
                            "untick “Read it” instead.",
                            "Delete mailbox", url_for("admin.edit_mailbox", mailbox_id=mailbox.id))
    audit.record(audit.DELETE, mailbox, summary=f"Deleted the mailbox {mailbox.name}",
                 changes={"name": (mailbox.name, None)})
    db.session.delete(mailbox)
    db.session.commit()
    flash(f"The mailbox {mailbox.name} is deleted.", "success")
    return redirect_after_post(url_for("admin.mailboxes"))


@bp.route("/mailboxes/messages/<int:inbound_id>")
@permission_required("admin.settings")
def inbound_message(inbound_id: int):
    inbound = db.get_or_404(InboundMessage, inbound_id)
    return render_template("admin/inbound_message.html", inbound=inbound)


@bp.post("/mailboxes/messages/<int:inbound_id>/retry")
@permission_required("admin.settings")
def retry_inbound(inbound_id: int):
    inbound = db.get_or_404(InboundMessage, inbound_id)
    if inbound.status == InboundMessage.HANDLED:
        abort(409)
    if inbound.raw is None:
        flash("This message's content was not kept, so it cannot be read again.", "warning")
    else:
        audit.record(audit.UPDATE, inbound, summary=f"Retried the message “{inbound.subject[:80]}”")
        db.session.commit()
        if retry(inbound):
            flash("The message was handled this time.", "success")
        else:
            flash("It failed again; the error is below.", "error")
    return redirect_after_post(url_for("admin.inbound_message", inbound_id=inbound_id))


def _fill(mailbox: Mailbox, form: MailboxForm) -> None:
    for name in FIELDS:
        value = form[name].data
        setattr(mailbox, name, value if value is not None else ("" if name != "port" else 993))
    if form.password.data:
        mailbox.password = form.password.data


def _name_taken(form: MailboxForm, mailbox: Mailbox | None = None) -> bool:
    other = db.session.scalar(db.select(Mailbox.id).where(db.func.lower(Mailbox.name) == form.name.data.lower()))
    if other and (mailbox is None or other != mailbox.id):
        form.name.errors = [*form.name.errors, "Another mailbox has this name."]
        return True
    return False


def _page(form, mailbox, report=None, status=200):
    count = 0
    if mailbox is not None:
        count = db.session.scalar(db.select(db.func.count(InboundMessage.id))
                                  .where(InboundMessage.mailbox_id == mailbox.id))
    return render_template("admin/mailbox_form.html", form=form, mailbox=mailbox, report=report,
                           taken=count), status
