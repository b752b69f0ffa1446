"""Admin → Mail server: the SMTP server set in the admin pages (unless the
environment sets one: then it wins and the page says so), and "Send a test
email", which reports what the server answered (app/mail/probe.py)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from app import audit, edits
from app import settings as store
from app.admin import bp
from app.admin.mail_forms import MailServerForm, MailTestForm
from app.extensions import db
from app.htmx import redirect_after_post
from app.mail import probe, server
from app.mail.service import release_held
from app.permissions import permission_required

FIELDS = ("mail_server", "mail_port", "mail_security", "mail_username", "mail_sender")


def _stored_form(formdata=None):
    """The form as the stored settings fill it; `formdata=...`: as posted."""
    stored = store.get_all("core")
    kwargs = {} if formdata is ... else {"formdata": formdata}
    values = {name: stored.get(name) for name in FIELDS}
    values["mail_port"] = values["mail_port"] or 587
    values["mail_security"] = values["mail_security"] or "starttls"
    return MailServerForm(**kwargs, **values)


def _page(form, test_form, report=None, status=200):
    return render_template("admin/mail_server.html", form=form, test_form=test_form, report=report,
                           current=server.current(), has_password=bool(store.get("core", "mail_password"))), status


@bp.route("/mail-server", methods=["GET", "POST"])
@permission_required("admin.settings")
def mail_server():
    form = _stored_form(None if request.method == "GET" else ...)
    test_form = MailTestForm(formdata=None, to=current_user.email)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, test_form)
    if server.from_environment():
        flash("The environment sets the mail server; change the MAIL_* variables instead.", "warning")
        return redirect_after_post(url_for("admin.mail_server"))
    if not form.validate():
        return _page(form, test_form, status=422)
    if not edits.settle(form, store.Edited("core"), _stored_form):
        return _page(form, test_form, status=409)
    was_on = server.current() is not None
    values = {name: form[name].data or ("" if name != "mail_port" else None) for name in FIELDS}
    if form.mail_password.data:
        values["mail_password"] = form.mail_password.data
    elif form.forget_password.data:
        values["mail_password"] = ""
    changes = store.put("core", values)
    if changes:
        shown = {k: (("(hidden)", "(hidden)") if k == "mail_password" else v) for k, v in changes.items()}
        audit.record(audit.UPDATE, object_type="core_setting", object_id="core",
                     summary="Changed the mail server", changes=shown)
    db.session.commit()
    released = release_held() if not was_on and server.current() is not None else 0
    message = "The mail server is saved." if changes else "Nothing changed."
    if released:
        message += f" {released} waiting message(s) are on their way."
    flash(edits.saved_message(message, form), "success")
    return redirect_after_post(url_for("admin.mail_server"))


@bp.post("/mail-server/test")
@permission_required("admin.settings")
def mail_server_test():
    form = _stored_form()
    test_form = MailTestForm()
    current = server.current()
    if not test_form.validate():
        return _page(form, test_form, status=422)
    if current is None:
        test_form.to.errors = ["Set a mail server first: there is none to send through."]
        return _page(form, test_form, status=422)
    report = probe.send_test(current, test_form.to.data, store.get("core", "org_name") or "")
    audit.record(audit.SEND, object_type="core_setting", object_id="core",
                 summary=f"Sent a test email to {test_form.to.data}: "
                         + ("the server accepted it" if report.ok else "it failed"))
    db.session.commit()
    return _page(form, test_form, report=report)
