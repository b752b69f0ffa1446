"""Canned replies: the list (searchable by name and text), the editor (the
core template editor with the contact/ticket/agent merge fields), and
inserting one into a ticket's reply box: with HTMX the reply box comes
back filled; without JavaScript the form posts to the same URL and the
whole ticket page comes back with the text in the box."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete

from app import audit, edits
from app.extensions import db
from app.htmx import is_htmx, redirect_after_post
from app.models.base import utcnow
from app.permissions import permission_required
from app.templating import TemplateProblem, editor, render_html_isolated
from modules.helpdesk import canned
from modules.helpdesk.automation_forms import CannedForm
from modules.helpdesk.automation_models import CannedReply
from modules.helpdesk.forms import ReplyForm
from modules.helpdesk.views import bp

PERM = "helpdesk.reply"


def _mine_or_shared(reply: CannedReply) -> CannedReply:
    if reply.owner_id not in (None, current_user.id):
        abort(404)
    return reply


@bp.get("/canned")
@permission_required(PERM)
def canned_list():
    q = request.args.get("q", "").strip()[:100]
    rows = canned.search(current_user.id, q)
    template = "helpdesk/_canned_rows.html" if is_htmx() else "helpdesk/canned_list.html"
    return render_template(template, rows=rows, q=q), 200, {"Vary": "HX-Request"}


def _form(reply: CannedReply | None, formdata=None) -> CannedForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = CannedForm(obj=reply, **kwargs)
    if reply is not None and formdata is not ...:
        form.shared.data = reply.owner_id is None
    return form


def _check(form: CannedForm) -> bool:
    ok = form.validate_on_submit()
    if form.body.data:
        problems = canned.unknown_fields(form.body.data)
        if not problems and form.format.data in ("markdown", "html"):
            try:  # a render with sample values, in the child process, as the preview does
                render_html_isolated(form.body.data, canned.SAMPLE, form.format.data)
            except TemplateProblem as problem:
                problems = [str(problem)]
        if problems:
            form.body.errors = [*form.body.errors, *problems]
            ok = False
    return ok


def _editor(form, reply, status=200, preview=None):
    return render_template("helpdesk/canned_form.html", form=form, reply=reply, groups=canned.GROUPS,
                           preview=preview), status


def _edit(reply: CannedReply | None):
    form = _form(reply, None if request.method == "GET" else ...)
    if request.method == "GET":
        if reply is not None:
            form.shared.data = reply.owner_id is None
            edits.stamp(form)
        return _editor(form, reply)
    if not _check(form):
        return _editor(form, reply, 422)
    if reply is not None and not edits.settle(form, reply, lambda f=None: _form(reply, f)):
        return _editor(form, reply, 409)
    values = {"name": form.name.data.strip(), "body": form.body.data, "format": form.format.data,
              "owner_id": None if form.shared.data else current_user.id}
    if reply is None:
        reply = CannedReply(**values, updated_at=utcnow())
        db.session.add(reply)
        db.session.flush()
        audit.record(audit.CREATE, reply, summary=f"Added the canned reply “{reply.name}”")
    else:
        changes = audit.diff(reply, values)
        if changes:
            reply.updated_at = utcnow()
            audit.record(audit.UPDATE, reply, changes=changes, summary=f"Changed the canned reply “{reply.name}”")
    db.session.commit()
    flash(edits.saved_message(f"Saved the canned reply “{reply.name}”.", form), "success")
    return redirect_after_post(url_for("helpdesk.canned_list"))


@bp.route("/canned/new", methods=["GET", "POST"])
@permission_required(PERM)
def canned_new():
    return _edit(None)


@bp.route("/canned/<int:reply_id>", methods=["GET", "POST"])
@permission_required(PERM)
def canned_edit(reply_id: int):
    return _edit(_mine_or_shared(db.get_or_404(CannedReply, reply_id)))


@bp.post("/canned/<int:reply_id>/delete")
@permission_required(PERM)
def canned_delete(reply_id: int):
    reply = _mine_or_shared(db.get_or_404(CannedReply, reply_id))
    audit.record(audit.DELETE, reply, summary=f"Deleted the canned reply “{reply.name}”")
    db.session.execute(delete(CannedReply).where(CannedReply.id == reply.id))
    db.session.commit()
    flash(f"Deleted the canned reply “{reply.name}”.", "success")
    return redirect_after_post(url_for("helpdesk.canned_list"))


@bp.post("/canned/preview")
@permission_required(PERM)
def canned_preview():
    form = CannedForm()
    result = editor.preview(form.body.data or "", form.format.data, canned.SAMPLE,
                            problems=canned.unknown_fields(form.body.data or ""), note="With made-up sample values.")
    if is_htmx():
        return editor.preview_fragment(result)
    reply_id = request.args.get("reply", type=int)
    reply = db.session.get(CannedReply, reply_id) if reply_id else None
    return _editor(form, reply, preview=result)


@bp.post("/tickets/<int:ticket_id>/canned")
@permission_required(PERM)
def canned_insert(ticket_id: int):
    """Fill the chosen canned reply in for this ticket and add it to what the reply box holds."""
    from modules.helpdesk.models import Ticket
    from modules.helpdesk.views.ticket import _page

    ticket = db.get_or_404(Ticket, ticket_id)
    form = ReplyForm()
    chosen = request.form.get("canned", type=int)
    reply = db.session.get(CannedReply, chosen) if chosen else None
    problem = None
    if reply is None or reply.owner_id not in (None, current_user.id):
        problem = "Choose a canned reply first."
    else:
        try:
            text, _ = canned.fill(reply.body, reply.format, ticket, current_user._get_current_object())
        except TemplateProblem as error:
            problem = f"The canned reply “{reply.name}” could not be filled in: {error}"
        else:
            before = (form.body.data or "").rstrip()
            form.body.data = f"{before}\n\n{text}" if before else text
    form.body.errors = []
    if is_htmx():
        return render_template("helpdesk/_reply_body.html", reply=form, problem=problem, ticket=ticket), 200, {
            "Vary": "HX-Request"}
    if problem:
        flash(problem, "error")
    return _page(ticket, reply=form, keep_version=True)
