"""Teams (queues) and the mailbox that feeds each: helpdesk.admin."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from sqlalchemy import select

from app import audit, edits
from app.extensions import db
from app.forms import choices
from app.htmx import is_htmx, redirect_after_post
from app.models import Mailbox
from app.permissions import permission_required
from app.templating import TemplateProblem, editor, render_html_isolated
from modules.helpdesk import canned
from modules.helpdesk.automation_forms import AckForm
from modules.helpdesk.forms import TeamForm
from modules.helpdesk.models import Team
from modules.helpdesk.views import bp
from modules.helpdesk.views.queues import users

ADMIN = "helpdesk.admin"


@bp.get("/teams")
@permission_required(ADMIN)
def teams():
    rows = db.session.scalars(select(Team).order_by(Team.name)).all()
    boxes = dict(db.session.execute(select(Mailbox.id, Mailbox.name)).all())
    return render_template("helpdesk/teams.html", teams=rows, boxes=boxes)


def _form(team: Team | None, formdata=None) -> TeamForm:
    form = TeamForm(obj=team) if formdata is ... else TeamForm(obj=team, formdata=formdata)
    form.mailbox_id.choices = choices([(None, "None yet")] + [(m.id, m.name) for m in db.session.scalars(
        select(Mailbox).where(Mailbox.kind == "helpdesk.tickets").order_by(Mailbox.name))])
    form.lead_id.choices = choices([(None, "Nobody")] + [(u.id, u.name) for u in users()])
    return form


def _edit(team: Team | None):
    form = _form(team, None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        if team is not None:
            edits.stamp(form)
    elif form.validate_on_submit() and team is not None and not edits.settle(form, team, lambda f=None: _form(team, f)):
        status = 409
    elif not form.errors:
        taken = db.session.scalar(select(Team.id).where(Team.name == form.name.data.strip()))
        if taken and (team is None or taken != team.id):
            form.name.errors.append(f"There is already a team named “{form.name.data}”.")
        else:
            values = {"name": form.name.data.strip(), "address": (form.address.data or "").strip().lower(),
                      "mailbox_id": form.mailbox_id.data, "acknowledge": bool(form.acknowledge.data),
                      "lead_id": form.lead_id.data}
            if team is None:
                team = Team(**values)
                db.session.add(team)
                db.session.flush()
                audit.record(audit.CREATE, team, summary=f"Added the helpdesk team “{team.name}”")
            else:
                changes = audit.diff(team, values)
                if changes:
                    audit.record(audit.UPDATE, team, changes=changes, summary=f"Changed the team “{team.name}”")
            db.session.commit()
            flash(edits.saved_message(f"Saved the team “{team.name}”.", form), "success")
            return redirect_after_post(url_for("helpdesk.teams"))
    if form.errors:
        status = 422
    return render_template("helpdesk/team_form.html", form=form, team=team), status


@bp.route("/teams/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def team_new():
    return _edit(None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def team_edit(team_id: int):
    return _edit(db.get_or_404(Team, team_id))


def _ack_form(team: Team, formdata=None) -> AckForm:
    form = AckForm(obj=team, formdata=formdata) if formdata is not ... else AckForm(obj=team)
    if formdata is not ...:
        # An empty text means the built-in wording: the editor starts from it.
        form.body.data, form.format.data = team.ack_body or canned.DEFAULT_ACK, team.ack_format or "markdown"
    return form


def _ack_page(team, form, status=200, preview=None):
    return render_template("helpdesk/ack_form.html", team=team, form=form, groups=canned.GROUPS,
                           default=canned.DEFAULT_ACK, preview=preview), status


@bp.route("/teams/<int:team_id>/acknowledgement", methods=["GET", "POST"])
@permission_required(ADMIN)
def team_ack(team_id: int):
    """The team's acknowledgement, in the core template editor."""
    team = db.get_or_404(Team, team_id)
    form = _ack_form(team, None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _ack_page(team, form)
    ok = form.validate_on_submit()
    problems = canned.unknown_fields(form.body.data or "")
    # Rendered only once the form is valid: an unknown format is the format field's error, not the sandbox's.
    if ok and not problems and (form.body.data or "").strip():
        try:
            render_html_isolated(form.body.data, canned.SAMPLE, form.format.data)
        except TemplateProblem as problem:
            problems = [str(problem)]
    if problems:
        form.body.errors = [*form.body.errors, *problems]
    if not ok or problems:
        return _ack_page(team, form, 422)
    if not edits.settle(form, team, lambda f=None: _ack_form(team, f)):
        return _ack_page(team, form, 409)
    body = (form.body.data or "").strip()
    values = {"ack_body": "" if body == canned.DEFAULT_ACK.strip() else body, "ack_format": form.format.data}
    changes = audit.diff(team, values)
    if changes:
        audit.record(audit.UPDATE, team, changes=changes, summary=f"Changed the acknowledgement of “{team.name}”")
    db.session.commit()
    flash(edits.saved_message(f"Saved the acknowledgement of “{team.name}”.", form), "success")
    return redirect_after_post(url_for("helpdesk.teams"))


@bp.post("/teams/acknowledgement/preview")
@permission_required(ADMIN)
def team_ack_preview():
    form = AckForm()
    result = editor.preview(form.body.data or canned.DEFAULT_ACK, form.format.data, canned.SAMPLE,
                            problems=canned.unknown_fields(form.body.data or ""), note="With made-up sample values.")
    if is_htmx():
        return editor.preview_fragment(result)
    team = db.get_or_404(Team, request.args.get("team", type=int) or 0)
    return _ack_page(team, form, preview=result)
