"""Importing contacts, in five steps at /contacts/import/: upload, map
columns, preview, match rules, run (a background job with a progress page
ending in the summary, the failed rows and Undo). The work itself is in
modules/contacts/importer/."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.exceptions import RequestEntityTooLarge

from app import audit, jobs
from app.extensions import db
from app.htmx import is_htmx, page_or_fragment, redirect_after_post
from app.ids import parse_id
from app.models import Job
from app.paging import keyset
from app.permissions import permission_required
from modules.contacts.importer import mapping as mapping_service
from modules.contacts.importer import plan, reading, undo, unknown_values
from modules.contacts.importer.forms import MatchForm, SaveMappingForm, UploadForm
from modules.contacts.importer.matching import RULES
from modules.contacts.importer.run import new_run
from modules.contacts.models import ImportMapping, ImportRun
from modules.contacts.views import bp

NOT_STARTED = ("uploaded", "mapped")
WORKING = ("reading", "queued", "running", "undoing")
STATUS_LABELS = {"reading": "Reading the file", "refused": "Cannot be imported",
                 "uploaded": "Not started", "mapped": "Not started", "queued": "Waiting to run",
                 "running": "Running", "finished": "Finished", "failed": "Stopped with an error",
                 "interrupted": "Interrupted", "undoing": "Undoing", "undone": "Undone"}
# Stopped imports: what they wrote so far is committed and counted, so it can be undone.
STOPPED = ("finished", "failed", "interrupted")
SAMPLE_ROWS = 20


def _run_or_404(import_id: int) -> ImportRun:
    run = db.session.scalar(select(ImportRun).where(ImportRun.id == import_id)
                            .options(defer(ImportRun.failures_csv)))
    if run is None:
        abort(404)
    return run


def _limit_mb() -> int:
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


def _index_page(form: UploadForm, status: int = 200):
    stmt = select(ImportRun).options(defer(ImportRun.failures_csv))
    history = keyset(stmt, ImportRun.id, newest_first=True, per_page=25)
    return render_template("contacts/import_index.html", form=form, history=history, limit_mb=_limit_mb(),
                           max_rows=reading.max_rows(), labels=STATUS_LABELS,
                           delimiters=reading.DELIMITER_NAMES), status


def _too_large(error):
    """A file over MAX_CONTENT_LENGTH: say so on the upload page (other
    contacts pages keep the plain 413)."""
    if request.endpoint != "contacts.import_upload":
        return error
    form = UploadForm(formdata=None)
    form.file.errors = [f"The file is too big: the limit is {_limit_mb()} MB. Split it into smaller files, "
                        "or save it as CSV, which is smaller than a workbook."]
    return _index_page(form, 413)


bp.register_error_handler(RequestEntityTooLarge, _too_large)


@bp.get("/import/")
@permission_required("contacts.import")
def import_index():
    return _index_page(UploadForm(formdata=None))


@bp.post("/import/")
@permission_required("contacts.import")
def import_upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors.append("Choose a file to import.")
        return _index_page(form, 422)
    data = upload.read()
    try:
        run = new_run(data, upload.filename, current_user, in_request=True)
    except reading.FileProblem as problem:
        form.file.errors.append(str(problem))
        return _index_page(form, 422)
    db.session.commit()
    step = "contacts.import_status" if run.status in WORKING else "contacts.import_map"
    return redirect_after_post(url_for(step, import_id=run.id))


def _samples(run: ImportRun) -> list[str]:
    """A sample value for each column: the first non-empty one in the first
    rows the upload kept (a page never reads the file itself)."""
    width = len(run.headers)
    samples = [""] * width
    for count, (_, cells) in enumerate(reading.sample_rows(run.sample, width)):
        for i, cell in enumerate(cells[:width]):
            if cell and not samples[i]:
                samples[i] = cell
        if all(samples) or count >= SAMPLE_ROWS:
            break
    return samples


def _started(run: ImportRun):
    """Steps 2-4 only make sense before the import runs."""
    if run.status not in NOT_STARTED:
        return redirect(url_for("contacts.import_status", import_id=run.id))
    return None


def _map_page(run: ImportRun, chosen: dict, save_form=None, problems=(), status: int = 200):
    targets = mapping_service.targets()
    guesses = mapping_service.guess(run.headers, targets)
    saved = list(db.session.scalars(select(ImportMapping).order_by(ImportMapping.name)))
    return render_template(
        "contacts/import_map.html", run=run, step=2, chosen=chosen, guesses=guesses,
        groups=mapping_service.groups(targets), columns=list(zip(run.headers, _samples(run), strict=True)),
        saved=saved, save_form=save_form or SaveMappingForm(formdata=None), problems=problems,
        encoding=reading.ENCODING_NAMES.get(run.encoding, run.encoding),
        delimiter=reading.DELIMITER_NAMES.get(run.delimiter, run.delimiter)), status


@bp.route("/import/<int:import_id>/map", methods=["GET", "POST"])
@permission_required("contacts.import")
def import_map(import_id: int):
    run = _run_or_404(import_id)
    if (redirected := _started(run)) is not None:
        return redirected
    if request.method == "GET":
        return _map_page(run, run.mapping or {})
    action = request.form.get("action", "continue")
    targets = mapping_service.targets()
    valid = {t.key for t in targets}
    if action == "apply":
        saved_id = parse_id(request.form.get("saved"))
        saved = db.session.get(ImportMapping, saved_id) if saved_id is not None else None
        if saved is None:
            flash("Choose a saved mapping to apply.", "warning")
        else:
            found, applied = mapping_service.apply_saved(run.headers, saved, valid)
            run.mapping = {**(run.mapping or {}), **found}
            db.session.commit()
            flash(f"Applied the saved mapping “{saved.name}” to {applied} of {len(run.headers)} columns.",
                  "success" if applied else "warning")
        return redirect_after_post(url_for("contacts.import_map", import_id=run.id))
    chosen = {}
    for index, header in enumerate(run.headers):
        key = request.form.get(f"col-{index}", "")
        chosen[header] = key if key in valid else ""
    labels = {t.key: t.label for t in targets}
    problems = mapping_service.problems(chosen, labels)
    save_form = SaveMappingForm() if action == "save" else None
    if problems:
        return _map_page(run, chosen, save_form, problems, 422)
    run.mapping = chosen
    if action == "save":
        if not save_form.validate():
            return _map_page(run, chosen, save_form, status=422)
        name = save_form.mapping_name.data.strip()
        saved = db.session.scalar(select(ImportMapping).where(ImportMapping.name == name))
        replaced = saved is not None
        if saved is None:
            saved = ImportMapping(name=name, created_by_id=current_user.id)
            db.session.add(saved)
        saved.columns = {h: k for h, k in chosen.items()}
        db.session.flush()
        audit.record(audit.UPDATE if replaced else audit.CREATE, saved,
                     summary=f"{'Replaced' if replaced else 'Saved'} the import mapping “{name}”")
        db.session.commit()
        flash(f"Saved the mapping as “{name}”.", "success")
        return redirect_after_post(url_for("contacts.import_map", import_id=run.id))
    run.status = "mapped"
    db.session.commit()
    return redirect_after_post(url_for("contacts.import_preview", import_id=run.id))


def _mapped_or_redirect(run: ImportRun):
    labels = {t.key: t.label for t in mapping_service.targets()}
    if run.status != "mapped" or mapping_service.problems(run.mapping or {}, labels):
        return redirect(url_for("contacts.import_map", import_id=run.id))
    return None


def _columns(run: ImportRun) -> list[tuple[int, str]]:
    """(index, header) of the columns that are imported."""
    return [(i, h) for i, h in enumerate(run.headers) if (run.mapping or {}).get(h)]


@bp.route("/import/<int:import_id>/preview", methods=["GET", "POST"])
@permission_required("contacts.import")
def import_preview(import_id: int):
    """The rows as they will be read, and the unknown-values step: tags and
    custom-field choices the database does not know, each with its choice.
    Posting stores the choices; "Continue" goes on once each has one."""
    run = _run_or_404(import_id)
    redirected = _started(run) or _mapped_or_redirect(run)
    if redirected is not None:
        return redirected
    result = plan.preview(run)
    status = 200
    if request.method == "POST":
        choices, complete = unknown_values.read_form(request.form, result.unknowns, run.value_choices or {})
        run.value_choices = choices
        db.session.commit()
        if request.form.get("action") != "continue":
            return redirect_after_post(url_for("contacts.import_preview", import_id=run.id))
        if complete:
            return redirect_after_post(url_for("contacts.import_match", import_id=run.id))
        result = plan.preview(run)  # the rows read with what was chosen; a message by each missing choice
        unknown_values.read_form(request.form, result.unknowns, choices)
        status = 422
    else:
        for item in result.unknowns:  # no message for a choice not made yet until the user goes on
            item.error = item.error if item.choice else ""
    return render_template("contacts/import_preview.html", run=run, step=3, preview=result,
                           columns=_columns(run), actions=plan.ACTION_LABELS, limit=plan.PREVIEW_LIMIT,
                           rules=RULES, field_names=unknown_values.field_names), status


@bp.route("/import/<int:import_id>/match", methods=["GET", "POST"])
@permission_required("contacts.import")
def import_match(import_id: int):
    run = _run_or_404(import_id)
    redirected = _started(run) or _mapped_or_redirect(run)
    if redirected is not None:
        return redirected
    form = MatchForm(data={"match_rule": run.match_rule, "on_match": run.on_match, "on_new": run.on_new})
    if request.method == "POST":
        form = MatchForm()
        if not form.validate_on_submit():
            return render_template("contacts/import_match.html", run=run, step=4, form=form,
                                   preview=plan.preview(run), limit=plan.PREVIEW_LIMIT), 422
        run.match_rule, run.on_match, run.on_new = form.match_rule.data, form.on_match.data, form.on_new.data
        if request.form.get("action") == "start":
            job = jobs.enqueue("contacts.import", f"Import {run.filename}"[:200],
                               {"import_id": run.id, "user_id": current_user.id}, user=current_user)
            run.status, run.job_id = "queued", job.id
            audit.record(audit.UPDATE, run, summary=f"Started the import of {run.filename} "
                                                    f"({run.rows_total:,} rows, match {run.match_rule})")
            db.session.commit()
            return redirect_after_post(url_for("contacts.import_status", import_id=run.id))
        db.session.commit()
        return redirect_after_post(url_for("contacts.import_match", import_id=run.id))
    return render_template("contacts/import_match.html", run=run, step=4, form=form,
                           preview=plan.preview(run), limit=plan.PREVIEW_LIMIT)


@bp.post("/import/<int:import_id>/discard")
@permission_required("contacts.import")
def import_discard(import_id: int):
    run = _run_or_404(import_id)
    if run.status not in NOT_STARTED:
        abort(409)
    audit.record(audit.DELETE, run, summary=f"Discarded the import of {run.filename} before it ran")
    db.session.delete(run)
    db.session.commit()
    flash("The file was discarded; nothing was imported.", "success")
    return redirect_after_post(url_for("contacts.import_index"))


@bp.get("/import/<int:import_id>")
@permission_required("contacts.import")
def import_status(import_id: int):
    run = _run_or_404(import_id)
    if run.status in NOT_STARTED:
        if is_htmx():  # the worker has read the file while this page polled
            return "", 200, {"HX-Redirect": url_for("contacts.import_map", import_id=run.id)}
        return redirect(url_for("contacts.import_map", import_id=run.id))
    job = db.session.get(Job, run.job_id) if run.job_id else None
    if job is not None and job.status == Job.FAILED and run.status in WORKING:
        run.status = "failed"  # the worker died before it could say so
    return page_or_fragment("contacts/import_status.html", "contacts/_import_status.html", run=run, job=job,
                            step=1 if run.status in ("reading", "refused") else 5, labels=STATUS_LABELS,
                            working=run.status in WORKING)


@bp.get("/import/<int:import_id>/failures.csv")
@permission_required("contacts.import")
def import_failures(import_id: int):
    run = db.session.get(ImportRun, import_id) or abort(404)
    if not run.failures_csv:
        abort(404)
    audit.record(audit.EXPORT, run, summary=f"Downloaded the {run.failed:,} failed rows of {run.filename}")
    db.session.commit()
    stem = run.filename.rsplit(".", 1)[0] or "import"
    return Response(run.failures_csv, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_safe_name(stem)}-failed-rows.csv"'})


def _safe_name(stem: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in stem)[:80] or "import"


@bp.post("/import/<int:import_id>/resume")
@permission_required("contacts.import")
def import_resume(import_id: int):
    """Carry on with an import (or its undo) whose worker died, after the
    last rows it committed (app/jobs/stranded.py)."""
    run = _run_or_404(import_id)
    job = db.session.get(Job, run.job_id) if run.job_id else None
    if run.status != "interrupted" or job is None or job.status != Job.INTERRUPTED:
        flash("Only an interrupted import can be resumed.", "warning")
        return redirect_after_post(url_for("contacts.import_status", import_id=run.id))
    jobs.resume(job)  # the run waits again ("queued")
    done = run.created + run.updated + run.skipped + run.failed
    audit.record(audit.UPDATE, run, summary=f"Resumed the import of {run.filename} after row {done:,}")
    db.session.commit()
    return redirect_after_post(url_for("contacts.import_status", import_id=run.id))


@bp.route("/import/<int:import_id>/undo", methods=["GET", "POST"])
@permission_required("contacts.import")
def import_undo(import_id: int):
    run = _run_or_404(import_id)
    # A stopped import committed whole chunks; what it did so far can be undone too.
    if run.status not in STOPPED or run.undone_at is not None:
        flash("This import cannot be undone now.", "warning")
        return redirect(url_for("contacts.import_status", import_id=run.id))
    if request.method == "GET":
        return render_template("contacts/import_undo.html", run=run, step=5)
    if undo.change_count(run) <= undo.IN_REQUEST:
        result = undo.undo(run, current_user)
        flash(f"Import undone: {result['removed']:,} contacts removed, {result['trashed']:,} moved to the trash "
              f"(changed since the import), {result['restored']:,} restored. {result.get('values', '')}".strip(),
              "success")
    else:
        job = jobs.enqueue("contacts.import", f"Undo import {run.filename}"[:200],
                           {"import_id": run.id, "user_id": current_user.id, "mode": "undo"}, user=current_user)
        run.status, run.job_id = "undoing", job.id
        db.session.commit()
    return redirect_after_post(url_for("contacts.import_status", import_id=run.id))
