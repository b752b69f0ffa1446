"""Admin: the mail outbox, one message, and retrying a failed message."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from sqlalchemy.orm import lazyload

from app import audit, mail
from app.admin import bp
from app.admin.forms import OutboxFilterForm
from app.extensions import db
from app.htmx import page_or_fragment, redirect_after_post
from app.jobs import enqueue
from app.mail.service import DELIVER
from app.models import MailMessage
from app.paging import keyset, prefix_like
from app.permissions import permission_required


@bp.route("/outbox")
@permission_required("admin.mail")
def outbox():
    form = OutboxFilterForm(request.args)
    form.validate()
    stmt = db.select(MailMessage).options(lazyload(MailMessage.attachments))  # the list never shows them
    if form.status.data and not form.status.errors:
        stmt = stmt.where(MailMessage.status == form.status.data)
    if form.recipient.data and not form.recipient.errors:
        stmt = stmt.where(prefix_like(MailMessage.recipient, form.recipient.data))
    listing = keyset(stmt, MailMessage.id, newest_first=True)
    filtered = bool(form.status.data or form.recipient.data)
    return page_or_fragment("admin/outbox.html", "admin/_outbox_results.html", form=form, listing=listing,
                            filtered=filtered, delivery_on=mail.delivery_enabled())


@bp.route("/outbox/<int:message_id>")
@permission_required("admin.mail")
def outbox_message(message_id: int):
    message = db.get_or_404(MailMessage, message_id)
    return render_template("admin/outbox_message.html", message=message, delivery_on=mail.delivery_enabled())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@permission_required("admin.mail")
def retry_message(message_id: int):
    message = db.get_or_404(MailMessage, message_id)
    if message.status != MailMessage.FAILED:
        flash("Only failed messages can be retried.", "warning")
        return redirect_after_post(url_for("admin.outbox_message", message_id=message.id))
    message.status, message.attempts, message.next_attempt_at = MailMessage.QUEUED, 0, None
    audit.record(audit.UPDATE, message, summary=f"Retried the message to {message.recipient}",
                 changes={"status": (MailMessage.FAILED, MailMessage.QUEUED)})
    if mail.delivery_enabled():
        enqueue(DELIVER, "Deliver 1 message(s)", {"ids": [message.id]})
        flash("The message is queued and will be sent again shortly.", "success")
    else:
        flash("The message is queued again, but delivery is off: it stays in the outbox "
              "until a mail server is set (Admin → Mail server).", "warning")
    db.session.commit()
    return redirect_after_post(url_for("admin.outbox_message", message_id=message.id))
