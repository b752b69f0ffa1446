"""Pipeline settings: pipelines (create, rename, archive), their stages (add,
rename, reorder, probability and outcome, delete once empty or after moving
the opportunities), and lost reasons. Every change is audited; deleting asks
first, with and without JavaScript. Each edit form (the pipeline's, each
stage's, each lost reason's) refuses a stale save (app/edits); archive and
retire buttons post the state they ask for, so a stale click undoes nothing."""

from __future__ import annotations

from datetime import UTC

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import audit, edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.models import AuditEntry, User
from app.models.base import utcnow
from app.permissions import permission_required
from modules.pipeline.models import LostReason, Opportunity, Pipeline, Stage, StageChange
from modules.pipeline.pipeline_forms import (
    OUTCOME_LABELS,
    ArchiveForm,
    LostReasonForm,
    PipelineForm,
    StageDeleteForm,
    StageForm,
    StateForm,
)
from modules.pipeline.views import bp

ADMIN = "pipeline.admin"


def _name_taken(model, name: str, exclude_id: int | None, **scope) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


def _stage_counts(pipeline_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(Opportunity.stage_id, func.count(Opportunity.id))
                                   .where(Opportunity.pipeline_id == pipeline_id)
                                   .group_by(Opportunity.stage_id)).all())


# --- Pipelines ---------------------------------------------------------------------

def _render_list(form: PipelineForm, status: int = 200):
    pipelines = list(db.session.scalars(select(Pipeline).order_by(Pipeline.archived, Pipeline.position,
                                                                  Pipeline.id)))
    counts = dict(db.session.execute(select(Opportunity.pipeline_id, func.count(Opportunity.id))
                                     .group_by(Opportunity.pipeline_id)).all())
    return render_template("pipeline/admin_pipelines.html", pipelines=pipelines, counts=counts, form=form,
                           current_nav="pipeline.board"), status


@bp.route("/admin/pipelines")
@permission_required(ADMIN)
def admin_pipelines():
    return _render_list(PipelineForm(records_gifts=True))


@bp.route("/admin/pipelines/new", methods=["POST"])
@permission_required(ADMIN)
def admin_pipeline_new():
    form = PipelineForm()
    if form.validate_on_submit():
        if _name_taken(Pipeline, form.name.data, None):
            form.name.errors.append(f"A pipeline named “{form.name.data}” already exists.")
        else:
            position = (db.session.scalar(select(func.max(Pipeline.position))) or 0) + 1
            pipeline = Pipeline(name=form.name.data, description=(form.description.data or "").strip(),
                                records_gifts=form.records_gifts.data, position=position)
            db.session.add(pipeline)
            db.session.flush()
            audit.record(audit.CREATE, pipeline, summary=f"Created the pipeline {pipeline.name}")
            db.session.commit()
            flash(f"The pipeline {pipeline.name} is created. Add its stages below.", "success")
            return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=pipeline.id))
    return _render_list(form, 422)


def _pipeline_form(pipeline: Pipeline, formdata=None) -> PipelineForm:
    """The pipeline's form as stored; `formdata=...`: as posted."""
    return PipelineForm(obj=pipeline) if formdata is ... else PipelineForm(obj=pipeline, formdata=formdata)


def _stage_form(stage: Stage, formdata=None) -> StageForm:
    """A stage's form (prefixed with its id) as stored; `formdata=...`: as posted."""
    prefix = f"s{stage.id}"
    return StageForm(obj=stage, prefix=prefix) if formdata is ... else \
        StageForm(obj=stage, prefix=prefix, formdata=formdata)


def _render_pipeline(pipeline: Pipeline, form: PipelineForm | None = None, stage_form: StageForm | None = None,
                     stage_errors: dict | None = None, status: int = 200, gone: dict | None = None):
    """The pipeline page. Every edit form on it shows what is stored, stamped
    (app/edits), except one that came back with errors or a conflict."""
    if form is None:
        form = _pipeline_form(pipeline)
        edits.stamp(form)
    stage_forms = dict(stage_errors or {})
    for stage in pipeline.stages:
        if stage.id not in stage_forms:
            stage_forms[stage.id] = _stage_form(stage)
            edits.stamp(stage_forms[stage.id])
    stage_form = stage_form or StageForm(formdata=None, probability=0, outcome="open")
    return render_template("pipeline/admin_pipelines_edit.html", pipeline=pipeline, form=form,
                           stage_form=stage_form, stage_forms=stage_forms, counts=_stage_counts(pipeline.id),
                           outcomes=OUTCOME_LABELS, gone=gone, current_nav="pipeline.board"), status


@bp.route("/admin/pipelines/<int:pipeline_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_pipeline(pipeline_id: int):
    pipeline = db.get_or_404(Pipeline, pipeline_id)
    if request.method == "GET":
        return _render_pipeline(pipeline)
    form = _pipeline_form(pipeline, ...)
    if form.validate_on_submit():
        if not edits.settle(form, pipeline, lambda: _pipeline_form(pipeline)):
            return _render_pipeline(pipeline, form=form, status=409)
        if _name_taken(Pipeline, form.name.data, pipeline.id):
            form.name.errors.append(f"Another pipeline is named “{form.name.data}”.")
        else:
            old = pipeline.name
            changes = audit.diff(pipeline, {"name": form.name.data,
                                            "description": (form.description.data or "").strip(),
                                            "records_gifts": form.records_gifts.data})
            if changes:
                audit.record(audit.UPDATE, pipeline, summary=f"Edited the pipeline {old}", changes=changes)
            db.session.commit()
            flash(edits.saved_message(f"The pipeline {pipeline.name} is saved." if changes else "Nothing changed.",
                                      form), "success")
            return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=pipeline.id))
    return _render_pipeline(pipeline, form=form, status=422)


@bp.route("/admin/pipelines/<int:pipeline_id>/archive", methods=["POST"])
@permission_required(ADMIN)
def admin_pipeline_archive(pipeline_id: int):
    """Archive (archived=1) or restore (archived=0): the state asked for, so a
    click on a page older than someone else's restore does not archive again."""
    pipeline = db.get_or_404(Pipeline, pipeline_id)
    form = StateForm()
    if form.validate_on_submit():
        want = form.wanted("archived", pipeline.archived)
        if want == pipeline.archived:
            flash(f"The pipeline {pipeline.name} is already {'archived' if want else 'in use'}.", "info")
        else:
            pipeline.archived = want
            verb = "Archived" if want else "Restored"
            audit.record(audit.UPDATE, pipeline, summary=f"{verb} the pipeline {pipeline.name}",
                         changes={"archived": (not want, want)})
            db.session.commit()
            flash(f"{verb} the pipeline {pipeline.name}." + (" It no longer shows on the board; its "
                                                              "opportunities stay." if want else ""), "success")
    return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=pipeline.id))


# --- Stages -----------------------------------------------------------------------

@bp.route("/admin/pipelines/<int:pipeline_id>/stages", methods=["POST"])
@permission_required(ADMIN)
def admin_stage_new(pipeline_id: int):
    pipeline = db.get_or_404(Pipeline, pipeline_id)
    form = StageForm()
    if form.validate_on_submit():
        if _name_taken(Stage, form.name.data, None, pipeline_id=pipeline.id):
            form.name.errors.append(f"This pipeline already has a stage named “{form.name.data}”.")
        else:
            position = max((s.position for s in pipeline.stages), default=-1) + 1
            stage = Stage(pipeline_id=pipeline.id, name=form.name.data, probability=form.probability.data,
                          outcome=form.outcome.data, position=position)
            db.session.add(stage)
            db.session.flush()
            audit.record(audit.CREATE, stage, summary=f"Added the stage {stage.name} to {pipeline.name}",
                         changes={"probability": (None, stage.probability), "outcome": (None, stage.outcome)})
            db.session.commit()
            flash(f"The stage {stage.name} is added.", "success")
            return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=pipeline.id))
    return _render_pipeline(pipeline, stage_form=form, status=422)


@bp.route("/admin/stages/<int:stage_id>", methods=["POST"])
@permission_required(ADMIN)
def admin_stage_edit(stage_id: int):
    stage = db.session.get(Stage, stage_id)
    if stage is None:
        return _stage_gone(stage_id)
    form = _stage_form(stage, ...)
    if form.validate_on_submit():
        if not edits.settle(form, stage, lambda: _stage_form(stage)):
            return _render_pipeline(stage.pipeline, stage_errors={stage.id: form}, status=409)
        if _name_taken(Stage, form.name.data, stage.id, pipeline_id=stage.pipeline_id):
            form.name.errors.append(f"This pipeline already has a stage named “{form.name.data}”.")
        else:
            old = stage.name
            changes = audit.diff(stage, {"name": form.name.data, "probability": form.probability.data,
                                         "outcome": form.outcome.data})
            if changes:
                audit.record(audit.UPDATE, stage, summary=f"Edited the stage {old} of {stage.pipeline.name}",
                             changes=changes)
            db.session.commit()
            flash(edits.saved_message(f"The stage {stage.name} is saved." if changes else "Nothing changed.", form),
                  "success")
            return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=stage.pipeline_id))
    return _render_pipeline(stage.pipeline, stage_errors={stage.id: form}, status=422)


def _stage_gone(stage_id: int):
    """A stage saved from a page older than its deletion: the pipeline page
    (409) says who deleted it and when, with what was typed in "Add a stage",
    so nothing typed is lost and re-adding it is one click."""
    pipeline = db.session.get(Pipeline, request.form.get("pipeline", type=int) or 0)
    if pipeline is None:
        abort(404)
    typed = StageForm(prefix=f"s{stage_id}")
    gone = _deletion(stage_id)
    gone["name"] = gone["name"] or typed.name.data
    stage_form = StageForm(formdata=None, name=typed.name.data, probability=typed.probability.data or 0,
                           outcome=typed.outcome.data or "open")
    return _render_pipeline(pipeline, stage_form=stage_form, status=409, gone=gone)


def _deletion(stage_id: int) -> dict:
    """Who deleted the stage, when, and its name then, from the audit log."""
    row = db.session.execute(
        select(AuditEntry.at, User.name, AuditEntry.actor, AuditEntry.changes)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.object_type == Stage.__tablename__, AuditEntry.object_id == str(stage_id),
               AuditEntry.action == audit.DELETE).order_by(AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return {"who": "Someone else", "at": None, "name": None}
    at, name, actor, changes = row
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # naive stamps are stored in UTC
    return {"who": name or actor or "Someone else", "at": at, "name": ((changes or {}).get("name") or [None])[0]}


@bp.route("/admin/stages/<int:stage_id>/up", methods=["POST"], defaults={"direction": "up"})
@bp.route("/admin/stages/<int:stage_id>/down", methods=["POST"], defaults={"direction": "down"})
@permission_required(ADMIN)
def admin_stage_move(stage_id: int, direction: str):
    stage = db.get_or_404(Stage, stage_id)
    if ArchiveForm().validate_on_submit():
        stages = list(stage.pipeline.stages)
        i = stages.index(stage)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(stages):
            stages[i], stages[j] = stages[j], stages[i]
            for position, s in enumerate(stages):
                s.position = position
            audit.record(audit.UPDATE, stage.pipeline, summary=f"Reordered the stages of {stage.pipeline.name}: "
                                                               + ", ".join(s.name for s in stages))
            db.session.commit()
    return redirect_after_post(url_for("pipeline.admin_pipeline", pipeline_id=stage.pipeline_id)
                               + f"#stage-{stage.id}")


@bp.route("/admin/stages/<int:stage_id>/delete", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_stage_delete(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    pipeline = stage.pipeline
    count = _stage_counts(pipeline.id).get(stage.id, 0)
    others = [s for s in pipeline.stages if s.id != stage.id]
    form = StageDeleteForm()
    form.move_to.choices = [(0, "Choose a stage…")] + [(s.id, s.name) for s in others]
    back = url_for("pipeline.admin_pipeline", pipeline_id=pipeline.id)
    if count and not others:
        flash(f"{stage.name} is the only stage and holds opportunities; add another stage first.", "error")
        return redirect_after_post(back)
    if request.method == "GET" and not count:
        return confirm_page(f"Delete the stage {stage.name}?",
                            f"Delete the stage {stage.name} from {pipeline.name}? No opportunity is in it.",
                            "Delete the stage", back)
    if request.method == "POST" and form.validate_on_submit():
        target = next((s for s in others if s.id == form.move_to.data), None)
        if count and target is None:
            form.move_to.errors.append(f"Choose where the {count:,} opportunities in {stage.name} go.")
        else:
            if count:
                _move_all(stage, target)
            audit.record(audit.DELETE, stage, summary=f"Deleted the stage {stage.name} of {pipeline.name}"
                         + (f"; {count:,} opportunities moved to {target.name}" if count else ""),
                         changes={"name": (stage.name, None)})  # a stale edit of it names it (_stage_gone)
            db.session.delete(stage)
            db.session.commit()
            flash(f"The stage {stage.name} is deleted.", "success")
            return redirect_after_post(back)
    return render_template("pipeline/admin_pipelines_stage_delete.html", stage=stage, pipeline=pipeline,
                           count=count, form=form, back=back,
                           current_nav="pipeline.board"), 422 if form.errors else 200


def _move_all(stage: Stage, target: Stage) -> None:
    """Move every opportunity of `stage` to `target`, each with its history row."""
    now = utcnow()
    rows = db.session.execute(select(Opportunity.id, Opportunity.contact_id)
                              .where(Opportunity.stage_id == stage.id)).all()
    db.session.execute(db.insert(StageChange), [
        {"opportunity_id": oid, "contact_id": cid, "from_stage_id": stage.id, "to_stage_id": target.id,
         "at": now, "user_id": current_user.id} for oid, cid in rows])
    db.session.execute(db.update(Opportunity).where(Opportunity.stage_id == stage.id)
                       .values(stage_id=target.id, stage_entered_at=now))
    audit.record_many(audit.UPDATE, Opportunity.__tablename__,
                      [(oid, f"Moved from {stage.name} (deleted) to {target.name}",
                        {"stage": (stage.name, target.name)}) for oid, _ in rows])


# --- Lost reasons ---------------------------------------------------------------

def _render_reasons(form: LostReasonForm, status: int = 200, errors: dict | None = None):
    reasons = list(db.session.scalars(select(LostReason).order_by(LostReason.active.desc(), LostReason.position,
                                                                  LostReason.name)))
    reason_forms = dict(errors or {})
    for reason in reasons:
        if reason.id not in reason_forms:
            reason_forms[reason.id] = _reason_form(reason)
            edits.stamp(reason_forms[reason.id])
    return render_template("pipeline/admin_pipelines_reasons.html", reasons=reasons, form=form,
                           reason_forms=reason_forms, current_nav="pipeline.board"), status


@bp.route("/admin/lost-reasons")
@permission_required(ADMIN)
def admin_lost_reasons():
    return _render_reasons(LostReasonForm())


@bp.route("/admin/lost-reasons/new", methods=["POST"])
@permission_required(ADMIN)
def admin_lost_reason_new():
    form = LostReasonForm()
    if form.validate_on_submit():
        if _name_taken(LostReason, form.name.data, None):
            form.name.errors.append(f"“{form.name.data}” is already a lost reason.")
        else:
            position = (db.session.scalar(select(func.max(LostReason.position))) or 0) + 1
            reason = LostReason(name=form.name.data, position=position, active=True)
            db.session.add(reason)
            db.session.flush()
            audit.record(audit.CREATE, reason, summary=f"Added the lost reason {reason.name}")
            db.session.commit()
            flash(f"The lost reason {reason.name} is added.", "success")
            return redirect_after_post(url_for("pipeline.admin_lost_reasons"))
    return _render_reasons(form, 422)


def _reason_form(reason: LostReason, formdata=None) -> LostReasonForm:
    """A lost reason's form (prefixed with its id) as stored; `formdata=...`: as posted."""
    prefix = f"r{reason.id}"
    return LostReasonForm(obj=reason, prefix=prefix) if formdata is ... else \
        LostReasonForm(obj=reason, prefix=prefix, formdata=formdata)


@bp.route("/admin/lost-reasons/<int:reason_id>", methods=["POST"])
@permission_required(ADMIN)
def admin_lost_reason_edit(reason_id: int):
    reason = db.get_or_404(LostReason, reason_id)
    form = _reason_form(reason, ...)
    if form.validate_on_submit():
        if not edits.settle(form, reason, lambda: _reason_form(reason)):
            return _render_reasons(LostReasonForm(formdata=None), 409, errors={reason.id: form})
        if _name_taken(LostReason, form.name.data, reason.id):
            form.name.errors.append(f"“{form.name.data}” is already a lost reason.")
        else:
            old = reason.name
            changes = audit.diff(reason, {"name": form.name.data})
            if changes:
                audit.record(audit.UPDATE, reason, summary=f"Renamed the lost reason {old}", changes=changes)
            db.session.commit()
            flash(edits.saved_message(f"The lost reason {reason.name} is saved." if changes else "Nothing changed.",
                                      form), "success")
            return redirect_after_post(url_for("pipeline.admin_lost_reasons"))
    return _render_reasons(LostReasonForm(formdata=None), 422, errors={reason.id: form})


@bp.route("/admin/lost-reasons/<int:reason_id>/toggle", methods=["POST"])
@permission_required(ADMIN)
def admin_lost_reason_toggle(reason_id: int):
    """Retire (active=0) or restore (active=1): the state asked for, so a
    stale click does not undo what someone else just did."""
    reason = db.get_or_404(LostReason, reason_id)
    form = StateForm()
    if not form.validate_on_submit():
        abort(400)
    want = form.wanted("active", reason.active)
    if want == reason.active:
        flash(f"The lost reason {reason.name} is already {'in use' if want else 'retired'}.", "info")
        return redirect_after_post(url_for("pipeline.admin_lost_reasons"))
    reason.active = want
    verb = "Restored" if reason.active else "Retired"
    audit.record(audit.UPDATE, reason, summary=f"{verb} the lost reason {reason.name}",
                 changes={"active": (not reason.active, reason.active)})
    db.session.commit()
    flash(f"{verb} the lost reason {reason.name}." + ("" if reason.active else
                                                     " Opportunities lost for it keep it."), "success")
    return redirect_after_post(url_for("pipeline.admin_lost_reasons"))
