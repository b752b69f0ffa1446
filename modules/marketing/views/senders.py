"""Admin: campaign senders. Adding one sends a confirmation email with a
signed link to the address; following it (a GET that shows a button, then
a POST) verifies the sender. Only verified senders can be chosen."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.htmx import redirect_after_post
from app.models.base import utcnow
from app.permissions import permission_required, public
from modules.marketing import senders as service
from modules.marketing.campaign_forms import SenderForm
from modules.marketing.campaign_models import Sender
from modules.marketing.views import bp
from modules.marketing.views.public import render_public

ADMIN = "marketing.admin"


@bp.route("/senders", methods=["GET", "POST"])
@permission_required(ADMIN)
def senders():
    form = SenderForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            if db.session.scalar(select(Sender.id).where(Sender.email == form.email.data)):
                form.email.errors.append(f"{form.email.data} is a sender already.")
            else:
                sender = Sender(name=form.name.data, email=form.email.data, reply_to=form.reply_to.data or "")
                db.session.add(sender)
                db.session.flush()
                audit.record(audit.CREATE, sender, summary=f"Added the campaign sender {sender.email}")
                service.send_confirmation(sender)
                db.session.commit()
                flash(f"A confirmation email is on its way to {sender.email}: follow its link to use it.",
                      "success")
                return redirect_after_post(url_for("marketing.senders"))
        status = 422
    rows = db.session.scalars(select(Sender).order_by(Sender.name, Sender.id)).all()
    return render_template("marketing/senders.html", senders=rows, form=form), status


@bp.post("/senders/<int:sender_id>/resend")
@permission_required(ADMIN)
def sender_resend(sender_id: int):
    sender = db.get_or_404(Sender, sender_id)
    if sender.verified_at is None:
        service.send_confirmation(sender)
        db.session.commit()
        flash(f"Sent the confirmation email to {sender.email} again.", "success")
    return redirect_after_post(url_for("marketing.senders"))


@bp.route("/senders/verify/<token>", methods=["GET", "POST"])
@public
def sender_verify(token: str):
    sender = service.read(token)
    if sender is None:
        return render_public("marketing/public_link_invalid.html", 404)
    if request.method == "POST" and sender.verified_at is None:
        sender.verified_at = utcnow()
        audit.record(audit.UPDATE, sender, actor=sender.email, summary=f"Verified the campaign sender {sender.email}",
                     changes={"verified": (False, True)})
        db.session.commit()
    return render_public("marketing/sender_verify.html", sender=sender, token=token)
