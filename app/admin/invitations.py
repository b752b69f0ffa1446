"""Admin: inviting people, resending and revoking invitations."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app import audit, mail, users
from app.admin import bp
from app.admin.forms import InviteForm
from app.admin.users import render_users_page, role_choices
from app.extensions import db
from app.hooks import refuse
from app.htmx import confirm_page, redirect_after_post
from app.models import Invitation, MailMessage, Role
from app.models.base import utcnow
from app.permissions import permission_required, role_permissions, ungrantable


def _sent_message(invitation: Invitation) -> str:
    """What to tell the admin after an invitation went to the outbox."""
    if mail.delivery_enabled():
        return Markup("Invitation sent to {}. The link works for {} days.").format(
            invitation.email, users.INVITATION_DAYS)
    message_id = db.session.scalar(
        db.select(MailMessage.id).where(MailMessage.recipient == invitation.email,
                                        MailMessage.category == "core.invitation")
        .order_by(MailMessage.id.desc()).limit(1))
    return Markup('Invitation for {} created. Delivery is off: the email waits in the '
                  '<a href="{}">outbox</a>, where you can read it and copy the link.').format(
        invitation.email, url_for("admin.outbox_message", message_id=message_id))


def _user_exists(email: str) -> bool:
    return users.find_by_email(email) is not None


@bp.route("/users/invite", methods=["POST"])
@permission_required("admin.users")
def invite():
    form = InviteForm()
    form.role.choices = role_choices()
    if form.validate_on_submit():
        if _user_exists(form.email.data):
            form.email.errors.append("There is already a user with this email address.")
        else:
            role = db.session.get(Role, form.role.data)
            invitation = users.invite(form.email.data, form.name.data or "", role,
                                      by=current_user._get_current_object())
            db.session.commit()
            flash(_sent_message(invitation), "success")
            return redirect_after_post(url_for("admin.users"))
    return render_users_page(form, status=422)


def _open_invitation(invitation_id: int) -> Invitation:
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        abort(404)
    return invitation


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@permission_required("admin.users")
def resend_invitation(invitation_id: int):
    old = _open_invitation(invitation_id)
    if missing := ungrantable(role_permissions(old.role)):
        refuse(", ".join(missing), f"resending {old.email}'s invitation as {old.role.name}")
    if _user_exists(old.email):
        flash(f"{old.email} already has an account; there is nothing to resend.", "warning")
        return redirect_after_post(url_for("admin.users"))
    invitation = users.invite(old.email, old.name, old.role, by=current_user._get_current_object())
    db.session.commit()
    flash(_sent_message(invitation), "success")
    return redirect_after_post(url_for("admin.users"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@permission_required("admin.users")
def revoke_invitation(invitation_id: int):
    invitation = _open_invitation(invitation_id)
    if request.method == "GET":
        return confirm_page("Revoke the invitation?",
                            f"Revoke the invitation for {invitation.email}? Its link will stop working at once.",
                            "Revoke invitation", url_for("admin.users"))
    invitation.revoked_at = utcnow()
    audit.record(audit.UPDATE, invitation, summary=f"Revoked the invitation for {invitation.email}",
                 changes={"status": ("pending", "revoked")})
    db.session.commit()
    flash(f"The invitation for {invitation.email} is revoked.", "success")
    return redirect_after_post(url_for("admin.users"))
