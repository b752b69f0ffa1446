"""Importing gifts: upload, map columns and choose donor matching, preview
with each row's problems, run as a job with progress, summary with the
failed rows as CSV, undo. The steps are in modules/pipeline/gift_import/."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.htmx import confirm_page, is_htmx, page_or_fragment, redirect_after_post
from app.models import Job
from app.permissions import permission_required
from modules.contacts.importer import reading, unknown_values
from modules.contacts.importer.upload import READING
from modules.pipeline.gift_import import check, fields
from modules.pipeline.gift_import import run as runner
from modules.pipeline.models import GiftImport
from modules.pipeline.views import bp
from modules.pipeline.views.gifts import giving_context

MAX_BYTES = 20 * 1024 * 1024


def _import_or_404(import_id: int) -> GiftImport:
    run = db.session.get(GiftImport, import_id)
    if run is None:
        abort(404)
    return run


def _index(error: str = "", status: int = 200):
    recent = db.session.execute(
        select(GiftImport.id, GiftImport.filename, GiftImport.status, GiftImport.created, GiftImport.failed,
               GiftImport.created_at).order_by(GiftImport.id.desc()).limit(20)).all()
    return render_template("pipeline/gift_import_index.html", error=error, recent=recent,
                           max_rows=reading.max_rows(), **giving_context("imports")), status


@bp.route("/gifts/imports/", methods=["GET", "POST"], endpoint="gift_imports")
@permission_required("giving.edit")
def gift_imports():
    if request.method == "GET":
        return _index()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index("Choose a CSV file or an Excel workbook (.xlsx) to import.", 422)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _index("The file is larger than 20 MB. Split it into smaller files.", 422)
    try:
        run = runner.new_import(data, upload.filename, user=current_user._get_current_object(), in_request=True)
    except reading.FileProblem as problem:
        db.session.rollback()
        return _index(str(problem), 422)
    db.session.commit()
    step = "pipeline.gift_import" if run.status == READING else "pipeline.gift_import_map"
    return redirect_after_post(url_for(step, import_id=run.id))


@bp.route("/gifts/imports/<int:import_id>/map", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_import_map(import_id: int):
    run = _import_or_404(import_id)
    if run.status != "uploaded":
        return redirect(url_for("pipeline.gift_import", import_id=run.id))
    problems: list[str] = []
    mapping, match_rule, create_donors = dict(run.mapping or {}), run.match_rule, run.create_donors
    if request.method == "POST":
        valid = {t.key for t in fields.TARGETS}
        mapping = {h: (request.form.get(f"col-{i}", "") if request.form.get(f"col-{i}", "") in valid else "")
                   for i, h in enumerate(run.headers)}
        match_rule = request.form.get("match_rule", "email")
        match_rule = match_rule if match_rule in check.MATCH_RULES else "email"
        create_donors = request.form.get("create_donors") == "y"
        problems = fields.problems(mapping, match_rule)
        if not problems:
            run.mapping, run.match_rule, run.create_donors = mapping, match_rule, create_donors
            db.session.commit()
            return redirect_after_post(url_for("pipeline.gift_import_preview", import_id=run.id))
    # the first rows the upload kept: a page never reads the file itself
    samples = [cells for _, (_, cells) in zip(range(3), reading.sample_rows(run.sample, len(run.headers)),
                                              strict=False)]
    columns = [(i, h, mapping.get(h, ""), [s[i] if i < len(s) else "" for s in samples])
               for i, h in enumerate(run.headers)]
    return render_template("pipeline/gift_import_map.html", run=run, columns=columns, targets=fields.TARGETS,
                           problems=problems, match_rule=match_rule, create_donors=create_donors,
                           rules=check.MATCH_RULES, **giving_context("imports")), 422 if problems else 200


@bp.route("/gifts/imports/<int:import_id>/preview", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_import_preview(import_id: int):
    """The rows' problems and the unknown-values step: one row per fund,
    appeal or payment method the database does not know, each with its
    choice. Posting stores the choices ("Check again") or stores them and
    starts the import ("Import"), which needs a usable choice for each."""
    run = _import_or_404(import_id)
    if run.status != "uploaded":
        return redirect(url_for("pipeline.gift_import", import_id=run.id))
    result = runner.preview(run)
    status = 200
    if request.method == "POST":
        choices, complete = unknown_values.read_form(request.form, result.unknowns, run.value_choices or {})
        run.value_choices = choices
        db.session.commit()
        if request.form.get("action") == "import" and complete:
            return _start(run)
        if request.form.get("action") != "import":
            return redirect_after_post(url_for("pipeline.gift_import_preview", import_id=run.id))
        # Refused: the rows checked again with what was chosen, and a message next to each missing choice.
        result = runner.preview(run)
        unknown_values.read_form(request.form, result.unknowns, choices)
        status = 422
    else:
        for item in result.unknowns:  # no message for a choice not made yet until the user tries to import
            item.error = item.error if item.choice else ""
    return render_template("pipeline/gift_import_preview.html", run=run, result=result,
                           field_names=unknown_values.field_names, labels=fields.LABELS,
                           **giving_context("imports")), status


def _start(run: GiftImport):
    user = current_user._get_current_object()
    job = jobs.enqueue("pipeline.import_gifts", f"Import gifts from {run.filename}",
                       {"import_id": run.id, "user_id": user.id}, user=user)
    run.status, run.job_id = "queued", job.id
    db.session.commit()
    return redirect_after_post(url_for("pipeline.gift_import", import_id=run.id))


@bp.post("/gifts/imports/<int:import_id>/run")
@permission_required("giving.edit")
def gift_import_run(import_id: int):
    run = _import_or_404(import_id)
    if run.status == "uploaded":
        return _start(run)
    return redirect_after_post(url_for("pipeline.gift_import", import_id=run.id))


@bp.get("/gifts/imports/<int:import_id>")
@permission_required("giving.edit")
def gift_import(import_id: int):
    run = _import_or_404(import_id)
    if run.status == "uploaded" and is_htmx():  # the worker has read the file while this page polled
        return "", 200, {"HX-Redirect": url_for("pipeline.gift_import_map", import_id=run.id)}
    job = db.session.get(Job, run.job_id) if run.job_id else None
    return page_or_fragment("pipeline/gift_import_status.html", "pipeline/gift_import_state.html", run=run,
                            job=job, **giving_context("imports"))


@bp.get("/gifts/imports/<int:import_id>/failures.csv")
@permission_required("giving.edit")
def gift_import_failures(import_id: int):
    run = _import_or_404(import_id)
    if not run.failures_csv:
        abort(404)
    response = make_response(run.failures_csv)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="gift-import-{run.id}-failed-rows.csv"'
    return response


@bp.route("/gifts/imports/<int:import_id>/undo", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_import_undo(import_id: int):
    run = _import_or_404(import_id)
    back = url_for("pipeline.gift_import", import_id=run.id)
    if run.status not in ("finished", "failed"):
        flash("Only a finished import can be undone.", "warning")
        return redirect_after_post(back)
    if request.method == "POST":
        removed, contacts, values = runner.undo(run, user=current_user._get_current_object())
        db.session.commit()
        flash(f"Undid the import: removed {removed} gift(s) and {contacts} new contact(s). {values.message()}"
              .strip(), "success")
        return redirect_after_post(back, trigger="gifts-changed")
    new = len(run.created_contact_ids or [])
    made = sum(len(ids) for ids in (run.created_values or {}).values())
    return confirm_page("Undo this import?",
                        f"Delete the {run.created} gift(s) imported from {run.filename}"
                        + (f" and the {new} contact(s) it created" if new else "")
                        + (f", and the {made} fund(s) and appeal(s) it created that nothing else uses" if made else "")
                        + "? Acknowledgements of those gifts are deleted too. This cannot be undone.",
                        "Undo import", back)
