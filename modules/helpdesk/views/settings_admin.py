"""helpdesk.admin pages for SLAs and automation: the business-hours
calendar (working hours, holidays added or imported from iCalendar, the
country's public holidays), SLA policies, and rules (conditions and actions
chosen from closed lists: a form, never code)."""

from __future__ import annotations

import json

from flask import flash, render_template, request, url_for
from sqlalchemy import delete, select

from app import audit, edits, settings
from app.database import hold_write_lock
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_after_post
from app.models import Mailbox
from app.models.base import utcnow
from app.permissions import permission_required
from modules.helpdesk import business_time, calendar, rules
from modules.helpdesk.automation_forms import (
    RULE_ROWS,
    HolidayForm,
    HoursForm,
    IcalForm,
    PolicyForm,
    RuleForm,
)
from modules.helpdesk.automation_models import BusinessHours, CannedReply, Holiday, Rule, SlaPolicy
from modules.helpdesk.models import CHANNELS, PRIORITIES, Team
from modules.helpdesk.views import bp
from modules.helpdesk.views.queues import users

ADMIN = "helpdesk.admin"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class HoursRecord:
    """The working hours as the record the hours form saves (app/edits)."""

    __tablename__ = "helpdesk_hours"
    id = "all"
    updated_at = None

    def hold_edit_lock(self) -> None:
        hold_write_lock(db.session, BusinessHours.__tablename__)
        db.session.expire_all()


def _hours_form(formdata=None) -> HoursForm:
    stored = calendar.hours()
    values = {day: ", ".join(business_time.format_hours(*span) for span in stored.get(i, []))
              for i, day in enumerate(DAYS)}
    return HoursForm(**values) if formdata is ... else HoursForm(formdata=formdata, **values)


def _team_choices():
    teams = db.session.scalars(select(Team).order_by(Team.name))
    return choices([(None, "Any team")] + [(t.id, t.name) for t in teams])


def _policy_form(policy: SlaPolicy | None, formdata=None) -> PolicyForm:
    form = PolicyForm(obj=policy) if formdata is ... else PolicyForm(obj=policy, formdata=formdata)
    form.team_id.choices = _team_choices()
    return form


def _calendar_page(*, hours_form=None, holiday_form=None, ical_form=None, policy_form=None, status=200):
    if hours_form is None:
        hours_form = _hours_form()
        edits.stamp(hours_form)
    policies = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.team_id, SlaPolicy.priority)).all()
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    own = db.session.scalars(select(Holiday).order_by(Holiday.day.desc()).limit(200)).all()
    return render_template(
        "helpdesk/sla_admin.html", hours_form=hours_form, holiday_form=holiday_form or HolidayForm(formdata=None),
        ical_form=ical_form or IcalForm(formdata=None), policy_form=policy_form or _policy_form(None, None),
        policies=policies, teams=teams, priorities=PRIORITIES, own=own, upcoming=calendar.upcoming(),
        country=settings.get("core", "country") or "", zone=settings.get("core", "timezone") or "UTC"), status


@bp.get("/sla")
@permission_required(ADMIN)
def sla_admin():
    return _calendar_page()


@bp.post("/sla/hours")
@permission_required(ADMIN)
def sla_hours():
    form = _hours_form(...)
    parsed: dict[int, list[tuple[int, int]]] = {}
    ok = form.validate_on_submit()
    for i, day in enumerate(DAYS):
        field = form[day]
        spans = []
        for part in (field.data or "").split(","):
            if not part.strip() or part.strip().lower() == "closed":
                continue
            try:
                spans.append(business_time.parse_hours(part))
            except ValueError as error:
                field.errors = [*field.errors, str(error)]
                ok = False
        parsed[i] = spans
    if ok and not any(parsed.values()):
        form.monday.errors = ["Give the hours of at least one day."]
        ok = False
    if not ok:
        return _calendar_page(hours_form=form, status=422)
    if not edits.settle(form, HoursRecord(), _hours_form):
        return _calendar_page(hours_form=form, status=409)
    parsed = {i: [business_time.parse_hours(p) for p in (form[day].data or "").split(",")
                  if p.strip() and p.strip().lower() != "closed"] for i, day in enumerate(DAYS)}
    before = calendar.hours()
    db.session.execute(delete(BusinessHours))
    for weekday, spans in parsed.items():
        for opens, closes in spans:
            db.session.add(BusinessHours(weekday=weekday, opens=opens, closes=closes))
    changes = {DAYS[i]: (str(before.get(i, [])), str(parsed.get(i, []))) for i in range(7)
               if before.get(i, []) != parsed.get(i, [])}
    audit.record(audit.UPDATE, object_type="helpdesk_hours", object_id="all", changes=changes,
                 summary="Changed the helpdesk's working hours")
    db.session.commit()
    flash(edits.saved_message("Working hours saved. Tickets opened from now on count in them.", form), "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


@bp.post("/sla/holidays")
@permission_required(ADMIN)
def sla_holiday_add():
    form = HolidayForm()
    if not form.validate_on_submit():
        return _calendar_page(holiday_form=form, status=422)
    if db.session.scalar(select(Holiday.id).where(Holiday.day == form.day.data)):
        form.day.errors = [f"{form.day.data:%d %B %Y} is already a holiday."]
        return _calendar_page(holiday_form=form, status=422)
    holiday = Holiday(day=form.day.data, name=(form.name.data or "").strip(), source="added")
    db.session.add(holiday)
    db.session.flush()
    audit.record(audit.CREATE, holiday, summary=f"Added the helpdesk holiday {holiday.day:%d %B %Y}")
    db.session.commit()
    flash(f"{holiday.day:%d %B %Y} is a holiday.", "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


@bp.post("/sla/holidays/<int:holiday_id>/delete")
@permission_required(ADMIN)
def sla_holiday_delete(holiday_id: int):
    holiday = db.get_or_404(Holiday, holiday_id)
    audit.record(audit.DELETE, holiday, summary=f"Removed the helpdesk holiday {holiday.day:%d %B %Y}")
    db.session.delete(holiday)
    db.session.commit()
    flash(f"{holiday.day:%d %B %Y} is a working day again.", "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


@bp.post("/sla/holidays/import")
@permission_required(ADMIN)
def sla_holiday_import():
    form = IcalForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form.file.errors = ["Choose an .ics file."]
        return _calendar_page(ical_form=form, status=422)
    try:
        added, seen = calendar.import_ical(upload.read(calendar.ICAL_MAX_BYTES + 1))
    except ValueError as error:
        form.file.errors = [str(error)]
        return _calendar_page(ical_form=form, status=422)
    audit.record(audit.CREATE, object_type="helpdesk_holiday", object_id="import",
                 summary=f"Imported {added} helpdesk holiday(s) from {upload.filename[:100]}")
    db.session.commit()
    flash(f"Imported {added} holiday(s); {seen} were already there.", "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


def _policy_values(form: PolicyForm) -> dict:
    return {"name": form.name.data.strip(), "team_id": form.team_id.data, "priority": form.priority.data or "",
            "first_response_minutes": form.first_response_minutes.data,
            "next_response_minutes": form.next_response_minutes.data,
            "resolution_minutes": form.resolution_minutes.data}


@bp.post("/sla/policies")
@permission_required(ADMIN)
def sla_policy_new():
    form = _policy_form(None, ...)
    if not form.validate_on_submit():
        return _calendar_page(policy_form=form, status=422)
    policy = SlaPolicy(**_policy_values(form), created_at=utcnow())
    db.session.add(policy)
    db.session.flush()
    audit.record(audit.CREATE, policy, summary=f"Added the SLA policy “{policy.name}”")
    db.session.commit()
    flash(f"Added the SLA policy “{policy.name}”. New tickets get its targets.", "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


@bp.route("/sla/policies/<int:policy_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def sla_policy_edit(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    form = _policy_form(policy, None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif not form.validate_on_submit():
        status = 422
    elif not edits.settle(form, policy, lambda f=None: _policy_form(policy, f)):
        status = 409
    else:
        values = _policy_values(form)
        changes = audit.diff(policy, values)
        if changes:
            audit.record(audit.UPDATE, policy, changes=changes, summary=f"Changed the SLA policy “{policy.name}”")
        db.session.commit()
        flash(edits.saved_message(f"Saved the SLA policy “{policy.name}”.", form), "success")
        return redirect_after_post(url_for("helpdesk.sla_admin"))
    return render_template("helpdesk/sla_policy_form.html", form=form, policy=policy), status


@bp.post("/sla/policies/<int:policy_id>/delete")
@permission_required(ADMIN)
def sla_policy_delete(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    audit.record(audit.DELETE, policy, summary=f"Deleted the SLA policy “{policy.name}”")
    db.session.delete(policy)
    db.session.commit()
    flash(f"Deleted the SLA policy “{policy.name}”.", "success")
    return redirect_after_post(url_for("helpdesk.sla_admin"))


# Rules ---------------------------------------------------------------------


def value_names() -> dict[str, dict[str, str]]:
    """Id -> name for each kind of value a rule refers to (the list shows names, the form offers them)."""
    from modules.contacts.models import Segment

    teams = {str(i): n for i, n in db.session.execute(select(Team.id, Team.name).order_by(Team.name))}
    return {
        "channel": dict(CHANNELS), "team": teams, "action_team": teams,
        "mailbox": {str(i): n for i, n in db.session.execute(
            select(Mailbox.id, Mailbox.name).where(Mailbox.kind == "helpdesk.tickets").order_by(Mailbox.name))},
        "segment": {str(i): n for i, n in db.session.execute(select(Segment.id, Segment.name).order_by(Segment.name))},
        "action_assign": {str(u.id): u.name for u in users()},
        "action_priority": dict(PRIORITIES),
        "action_canned": {str(i): n for i, n in db.session.execute(
            select(CannedReply.id, CannedReply.name).where(CannedReply.owner_id.is_(None)).order_by(CannedReply.name))},
    }


LISTED = {"channel", "team", "mailbox", "segment", "action_assign", "action_priority", "action_team", "action_canned"}


def _posted_value(prefix: str, i: int, kind: str) -> str:
    """A kind with a closed list takes the row's choice; the others its text."""
    listed = (kind if prefix == "c" else f"action_{kind}") in LISTED
    return request.form.get(f"{prefix}{i}_{'choice' if listed else 'value'}", "")


def _rows(rule: Rule | None, prefix: str, key: str) -> list[dict]:
    if request.method == "POST":
        rows = []
        for i in range(RULE_ROWS):
            kind = request.form.get(f"{prefix}{i}_kind", "")
            rows.append({key: kind, "value": _posted_value(prefix, i, kind)})
        return rows
    stored = rules.loads(getattr(rule, "conditions" if prefix == "c" else "actions", "[]")) if rule else []
    return (stored + [{key: "", "value": ""}] * RULE_ROWS)[:max(RULE_ROWS, len(stored))]


def _rule_page(rule, form, conds, acts, problems, status=200):
    return render_template("helpdesk/rule_form.html", rule=rule, form=form, conds=conds, acts=acts,
                           problems=problems, conditions=rules.CONDITIONS, actions=rules.ACTIONS,
                           names=value_names(), listed=LISTED), status


def _check_rows(conds: list[dict], acts: list[dict]) -> tuple[list[dict], list[dict], list[str]]:
    names, problems = value_names(), []
    keep_c, keep_a = [], []
    for row in conds:
        kind, value = row["field"], (row["value"] or "").strip()
        if not kind:
            continue
        if kind not in rules.CONDITIONS:
            problems.append("Choose a condition from the list.")
        elif kind in names and value not in names[kind]:
            problems.append(f"“{rules.CONDITIONS[kind]}”: choose one of the offered values.")
        elif not value:
            problems.append(f"“{rules.CONDITIONS[kind]}” needs a value.")
        else:
            keep_c.append({"field": kind, "value": value[:200]})
    for row in acts:
        kind, value = row["action"], (row["value"] or "").strip()
        if not kind:
            continue
        if kind not in rules.ACTIONS:
            problems.append("Choose an action from the list.")
        elif f"action_{kind}" in names and value not in names[f"action_{kind}"]:
            problems.append(f"“{rules.ACTIONS[kind]}”: choose one of the offered values.")
        elif not value:
            problems.append(f"“{rules.ACTIONS[kind]}” needs a value.")
        else:
            keep_a.append({"action": kind, "value": value[:200]})
    if not keep_a and not problems:
        problems.append("Give the rule at least one action.")
    return keep_c, keep_a, problems


def _rule_form(rule, formdata=None):
    return RuleForm(obj=rule) if formdata is ... else RuleForm(obj=rule, formdata=formdata)


def _edit_rule(rule: Rule | None):
    form = _rule_form(rule, None if request.method == "GET" else ...)
    conds, acts = _rows(rule, "c", "field"), _rows(rule, "a", "action")
    if request.method == "GET":
        if rule is not None:
            edits.stamp(form)
        return _rule_page(rule, form, conds, acts, [])
    keep_c, keep_a, problems = _check_rows(conds, acts)
    if not form.validate_on_submit() or problems:
        return _rule_page(rule, form, conds, acts, problems, 422)
    if rule is not None and not edits.settle(form, rule, lambda f=None: _rule_form(rule, f)):
        return _rule_page(rule, form, conds, acts, [], 409)
    values = {"name": form.name.data.strip(), "position": form.position.data or 0, "active": bool(form.active.data),
              "stop": bool(form.stop.data), "conditions": json.dumps(keep_c), "actions": json.dumps(keep_a)}
    if rule is None:
        rule = Rule(**values, updated_at=utcnow())
        db.session.add(rule)
        db.session.flush()
        audit.record(audit.CREATE, rule, summary=f"Added the helpdesk rule “{rule.name}”")
    else:
        changes = audit.diff(rule, values)
        if changes:
            rule.updated_at = utcnow()
            audit.record(audit.UPDATE, rule, changes=changes, summary=f"Changed the helpdesk rule “{rule.name}”")
    db.session.commit()
    flash(edits.saved_message(f"Saved the rule “{rule.name}”.", form), "success")
    return redirect_after_post(url_for("helpdesk.rules_list"))


@bp.get("/rules")
@permission_required(ADMIN)
def rules_list():
    names = value_names()
    rows = [(r, *rules.describe(r, names)) for r in db.session.scalars(select(Rule).order_by(Rule.position, Rule.id))]
    return render_template("helpdesk/rules.html", rows=rows)


@bp.route("/rules/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def rule_new():
    return _edit_rule(None)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def rule_edit(rule_id: int):
    return _edit_rule(db.get_or_404(Rule, rule_id))


@bp.post("/rules/<int:rule_id>/delete")
@permission_required(ADMIN)
def rule_delete(rule_id: int):
    rule = db.get_or_404(Rule, rule_id)
    audit.record(audit.DELETE, rule, summary=f"Deleted the helpdesk rule “{rule.name}”")
    db.session.delete(rule)
    db.session.commit()
    flash(f"Deleted the rule “{rule.name}”.", "success")
    return redirect_after_post(url_for("helpdesk.rules_list"))
