"""Receipts: one gift's letter (download to print, or email it), batch runs
of letters with progress and the PDF of those to print, and the dashboard
card of gifts waiting for a thank-you."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, make_response, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from app import audit, jobs
from app.extensions import db
from app.htmx import is_htmx, page_or_fragment, redirect_after_post
from app.mail import delivery_enabled
from app.models import Job
from app.permissions import can, permission_required
from app.templating import TemplateProblem
from modules.contacts.activity.timeline import local_today
from modules.pipeline.models import Fund, ReceiptTemplate
from modules.pipeline.money import format_money
from modules.pipeline.receipt_forms import RunForm, ScopeForm
from modules.pipeline.receipts import batch, deliver, letters, numbers, pdf
from modules.pipeline.receipts.scope import Scope, counts, default_year, unacknowledged_summary
from modules.pipeline.views import bp

PERM = "giving.receipts"
GIFT_KINDS = (letters.THANK_YOU, letters.TRIBUTE)
RECENT_RUNS = 10


def gift_url(gift_id: int) -> str:
    """The gift's page (the gifts area may be switched off in a narrowed build)."""
    try:
        return url_for("pipeline.gift", gift_id=gift_id)
    except BuildError:
        return url_for("pipeline.receipts")


# --- One gift's letter ---------------------------------------------------------------

def _gift_letter(gift_id: int, kind: str):
    if kind == letters.THANK_YOU and numbers.assign([gift_id]):
        db.session.commit()  # the receipt number is the gift's from now on, whatever happens next
    found = letters.load_gifts([gift_id])
    if not found or found[0].contact.deleted_at is not None:
        abort(404)
    gift = found[0]
    if kind == letters.TRIBUTE and gift.tribute_notify is None:
        abort(404)
    make = letters.thank_you if kind == letters.THANK_YOU else letters.tribute
    return gift, make(gift, letters.template_for(kind), local_today(), isolated=True)


def _kind() -> str:
    kind = request.values.get("kind", letters.THANK_YOU)
    return kind if kind in GIFT_KINDS else letters.THANK_YOU


@bp.route("/gifts/<int:gift_id>/letter.pdf", methods=["GET", "POST"])
@permission_required(PERM)
def gift_letter(gift_id: int):
    """The letter as a PDF. POST (the gift page's button) records it as
    acknowledged by a printed letter; GET only shows it (a reprint, a look)."""
    try:
        gift, letter = _gift_letter(gift_id, _kind())
    except (TemplateProblem, letters.NoTemplate) as problem:
        flash(f"The letter could not be made: {problem} Correct the template under Receipt templates.", "error")
        return redirect_after_post(gift_url(gift_id))
    document = pdf.letters_pdf([letter.frame()])
    if request.method == "POST":
        deliver.record(letter, deliver.DOWNLOAD, user=current_user._get_current_object())
        db.session.commit()
    disposition = "attachment" if request.method == "POST" or request.args.get("download") else "inline"
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{letter.filename}"', "Cache-Control": "no-store"})


@bp.post("/gifts/<int:gift_id>/letter/email")
@permission_required(PERM)
def gift_letter_email(gift_id: int):
    kind = _kind()
    try:
        gift, letter = _gift_letter(gift_id, kind)
    except (TemplateProblem, letters.NoTemplate) as problem:
        flash(f"The letter could not be made: {problem} Correct the template under Receipt templates.", "error")
        return redirect_after_post(gift_url(gift_id))
    refusal = deliver.email_refusal(letter.recipient)
    if refusal:
        flash(f"Not emailed: {refusal}", "error")
        return redirect_after_post(gift_url(gift_id))
    deliver.email(letter, pdf.letters_pdf([letter.frame()]), user=current_user._get_current_object())
    db.session.commit()
    what = "thank-you letter" if kind == letters.THANK_YOU else "tribute notification"
    held = "" if delivery_enabled() else " Email delivery is off, so it waits in the outbox."
    flash(f"The {what} is emailed to {letter.recipient.display_name} ({letter.recipient.email}).{held}", "success")
    return redirect_after_post(gift_url(gift_id), trigger="gift-acknowledged")


# --- One donor's statement -------------------------------------------------------------

def _statement(contact_id: int, year: int):
    contacts = letters.load_contacts([contact_id])
    if not contacts or contacts[0].deleted_at is not None or not 1900 <= year <= 2999:
        abort(404)
    contact = contacts[0]
    gifts = letters.year_gifts([contact.id], year)[contact.id]
    if not gifts:
        abort(404)
    return letters.statement(contact, year, gifts, letters.template_for(letters.STATEMENT), local_today(),
                             isolated=True)


def _contact_url(contact_id: int) -> str:
    try:
        return url_for("contacts.show", contact_id=contact_id)
    except BuildError:
        return url_for("pipeline.receipts")


@bp.route("/receipts/statements/<int:contact_id>/<int:year>.pdf", methods=["GET", "POST"])
@permission_required(PERM)
def donor_statement(contact_id: int, year: int):
    """A donor's statement for a year (a copy on request): GET shows it,
    POST downloads it and records it, like a gift's letter."""
    try:
        letter = _statement(contact_id, year)
    except (TemplateProblem, letters.NoTemplate) as problem:
        flash(f"The statement could not be made: {problem} Correct the template under Receipt templates.", "error")
        return redirect_after_post(_contact_url(contact_id))
    document = pdf.letters_pdf([letter.frame()])
    if request.method == "POST":
        deliver.record(letter, deliver.DOWNLOAD, user=current_user._get_current_object())
        db.session.commit()
    disposition = "attachment" if request.method == "POST" else "inline"
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{letter.filename}"', "Cache-Control": "no-store"})


@bp.post("/receipts/statements/<int:contact_id>/<int:year>/email")
@permission_required(PERM)
def donor_statement_email(contact_id: int, year: int):
    try:
        letter = _statement(contact_id, year)
    except (TemplateProblem, letters.NoTemplate) as problem:
        flash(f"The statement could not be made: {problem} Correct the template under Receipt templates.", "error")
        return redirect_after_post(_contact_url(contact_id))
    refusal = deliver.email_refusal(letter.recipient)
    if refusal:
        flash(f"Not emailed: {refusal}", "error")
        return redirect_after_post(_contact_url(contact_id))
    deliver.email(letter, pdf.letters_pdf([letter.frame()]), user=current_user._get_current_object())
    db.session.commit()
    held = "" if delivery_enabled() else " Email delivery is off, so it waits in the outbox."
    flash(f"The {year} statement is emailed to {letter.recipient.display_name} ({letter.recipient.email}).{held}",
          "success")
    return redirect_after_post(_contact_url(contact_id))


@bp.app_context_processor
def _receipt_helpers() -> dict:
    """`statement_years(contact_id)` for receipts_donor_statements.html,
    which a contact page panel may include (one query, only when used)."""
    return {"statement_years": letters.donor_years}


# --- Batch runs ------------------------------------------------------------------------

def _prepare(form: ScopeForm) -> None:
    form.fund.choices = [(0, "Any fund")] + [tuple(r) for r in db.session.execute(
        select(Fund.id, Fund.name).order_by(Fund.position, Fund.name).limit(500))]
    templates = db.session.execute(select(ReceiptTemplate.id, ReceiptTemplate.kind, ReceiptTemplate.name)
                                   .order_by(ReceiptTemplate.kind, ReceiptTemplate.name)).all()
    form.template.choices = [(0, "The default template of the kind")] + [
        (t.id, f"{ReceiptTemplate.KINDS.get(t.kind, t.kind)}: {t.name}") for t in templates]
    form.template_kinds = {t.id: t.kind for t in templates}


def _scope(form: ScopeForm) -> Scope | None:
    """The validated scope, or None with errors on the form's fields."""
    if not form.validate():
        return None
    kind = form.kind.data
    if form.template.data and form.template_kinds.get(form.template.data) != kind:
        form.template.errors.append("That template is for another kind of letter.")
        return None
    statement = kind == letters.STATEMENT
    return Scope(kind=kind, year=form.year.data if statement else None,
                 date_from=None if statement else form.date_from.data,
                 date_to=None if statement else form.date_to.data,
                 fund_id=None if statement else (form.fund.data or None), only_new=bool(form.only_new.data),
                 use_email=bool(form.use_email.data), template_id=form.template.data or None)


def _recent_runs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == batch.KIND).order_by(Job.id.desc())
                                   .limit(RECENT_RUNS)))


@bp.get("/receipts/")
@permission_required(PERM)
def receipts():
    today = local_today()
    form = ScopeForm(formdata=request.args if request.args else None, year=default_year(today))
    _prepare(form)
    scope = _scope(form) if request.args else Scope(year=default_year(today))
    numbers = counts(scope) if scope is not None else None
    context = {"form": form, "scope": scope, "numbers": numbers, "delivery": delivery_enabled(),
               "giving_tab": "receipts", "has_receipts": True, "runs": _recent_runs() if not is_htmx() else []}
    response = make_response(page_or_fragment("pipeline/receipts.html", "pipeline/receipts_scope.html",
                                              **context))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.post("/receipts/")
@permission_required(PERM)
def receipts_run():
    form = RunForm()
    _prepare(form)
    scope = _scope(form)
    if scope is None:
        context = {"form": form, "scope": None, "numbers": None, "delivery": delivery_enabled(),
                   "giving_tab": "receipts", "has_receipts": True, "runs": _recent_runs()}
        return render_template("pipeline/receipts.html", **context), 422
    numbers = counts(scope)
    if numbers["letters"] == 0:
        flash("Nothing to do: no letters match. Change the scope and try again.", "warning")
        return redirect_after_post(url_for("pipeline.receipts", **_args(scope)))
    try:
        letters.template_for(scope.kind, scope.template_id)
    except letters.NoTemplate as problem:
        flash(str(problem), "error")
        return redirect_after_post(url_for("pipeline.receipts", **_args(scope)))
    user = current_user._get_current_object()
    title = f"{scope.describe()}: {numbers['letters']:,} letter{'s' if numbers['letters'] != 1 else ''}"
    job = jobs.enqueue(batch.KIND, title[:200], {"scope": scope.to_args()}, user=user)
    audit.record(audit.CREATE, job, summary=f"Started a receipts run: {title}")
    db.session.commit()
    return redirect_after_post(url_for("pipeline.receipts_job", job_id=job.id))


def _args(scope: Scope) -> dict:
    """The query string that shows `scope` on the receipts page."""
    args = {"kind": scope.kind}
    if scope.year:
        args["year"] = scope.year
    for key in ("date_from", "date_to"):
        if getattr(scope, key):
            args[key] = getattr(scope, key).isoformat()
    if scope.fund_id:
        args["fund"] = scope.fund_id
    if scope.template_id:
        args["template"] = scope.template_id
    if scope.only_new:
        args["only_new"] = "y"
    if scope.use_email:
        args["use_email"] = "y"
    return args


def _job_or_404(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if job.kind != batch.KIND:
        abort(404)
    return job


@bp.get("/receipts/runs/<int:job_id>")
@permission_required(PERM)
def receipts_job(job_id: int):
    job = _job_or_404(job_id)
    ready = bool(job.status == Job.FINISHED and job.result and job.result.get("file")
                 and batch.job_file(job.id).exists())
    response = make_response(page_or_fragment("pipeline/receipts_job.html", "pipeline/receipts_job_status.html",
                                              job=job, ready=ready, delivery=delivery_enabled()))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.get("/receipts/runs/<int:job_id>/letters.pdf")
@permission_required(PERM)
def receipts_job_download(job_id: int):
    job = _job_or_404(job_id)
    path = batch.job_file(job.id)
    if job.status != Job.FINISHED or not path.exists():
        abort(404)
    stamp = job.created_at.date().isoformat()
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"letters-to-print-{stamp}-run-{job.id}.pdf", max_age=0)


# --- Dashboard ------------------------------------------------------------------------

def unacknowledged_widget() -> str:
    count, totals, oldest = unacknowledged_summary()
    total = " + ".join(format_money(amount, currency) for currency, amount in sorted(totals.items()))
    link = None
    if can(PERM) and "pipeline.receipts" in current_app.view_functions:
        link = url_for("pipeline.receipts", kind=letters.THANK_YOU, only_new="y", use_email="y")
    return render_template("pipeline/receipts_widget.html", count=count, total=total, oldest=oldest, link=link)
