"""Duplicates and merge: the review queue, one contact's likely duplicates,
"not a duplicate" (and its undo), the background full scan, and the merge
preview and its confirmation."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_wtf import FlaskForm

from app import audit
from app.dates import when
from app.extensions import db
from app.htmx import is_htmx, redirect_after_post
from app.ids import as_id
from app.jobs import enqueue
from app.models import Job
from app.permissions import can, permission_required
from app.redirects import next_url
from modules.contacts.dedupe import duplicates, merge
from modules.contacts.models import Contact, DuplicateDismissal
from modules.contacts.people import phones, records
from modules.contacts.views import bp

SCAN_KIND = "contacts.find_duplicates"
STORED_PER_PAGE = 50
CHANGED = "duplicates-changed"


class ActionForm(FlaskForm):
    """CSRF only: the fields of these forms are read from `request.form`."""


def _render(template: str, status: int = 200, **context):
    html = render_template(template, when=when, phone_display=phones.display,
                           kind_labels=records.KIND_LABELS, **context)
    return make_response(html, status)


def _households(candidates) -> dict[int, str]:
    ids = {c.household_id for cand in candidates for c in (cand.a, cand.b) if c.household_id}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())


def _latest_scan() -> Job | None:
    return db.session.scalar(db.select(Job).where(Job.kind == SCAN_KIND).order_by(Job.id.desc()).limit(1))


# ---------------------------------------------------------------- the queue
@bp.get("/duplicates")
@permission_required("contacts.edit")
def duplicates_queue():
    """Possible duplicates: a bounded page of the live scan (`?after=` resumes),
    or with `?from=scan`, the stored results of the last full scan."""
    job = _latest_scan()
    stored = request.args.get("from") == "scan" and job is not None and job.status == Job.FINISHED
    next_url = None
    if stored:
        start = max(request.args.get("start", 0, type=int), 0)
        rows = (job.result or {}).get("pairs", [])
        candidates = duplicates.pairs_from(rows[start:start + STORED_PER_PAGE])
        if start + STORED_PER_PAGE < len(rows):
            next_url = url_for("contacts.duplicates_queue", **{"from": "scan"}, start=start + STORED_PER_PAGE)
        scanned = None
    else:
        scanned = duplicates.scan(request.args.get("after"))
        candidates = scanned.candidates
        if scanned.next_cursor:
            next_url = url_for("contacts.duplicates_queue", after=scanned.next_cursor)
    context = {"candidates": candidates, "households": _households(candidates), "next_url": next_url,
               "scanned": scanned, "stored": stored, "job": job, "form": ActionForm(formdata=None),
               "here": request.full_path.rstrip("?"), "stage_label": duplicates.stage_label}
    if is_htmx() and request.args.get("more"):
        return _render("contacts/_duplicate_more.html", **context)
    return _render("contacts/duplicates.html", **context)


@bp.get("/<int:contact_id>/duplicates")
@permission_required("contacts.edit")
def contact_duplicates(contact_id: int):
    contact = records.load(contact_id)
    if contact is None:
        abort(404)
    candidates = duplicates.for_contact(contact)
    return _render("contacts/duplicates_contact.html", contact=contact, candidates=candidates,
                   households=_households(candidates), form=ActionForm(formdata=None),
                   here=request.full_path.rstrip("?"))


@bp.post("/duplicates/scan")
@permission_required("contacts.edit")
def duplicates_scan():
    """Start the full scan in the background (unless one is already under way)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    job = _latest_scan()
    if job is not None and job.status in (Job.QUEUED, Job.STARTED):
        flash("A scan for duplicates is already under way.", "info")
    else:
        enqueue(SCAN_KIND, "Find duplicate contacts", {}, user=records._actor())
        db.session.commit()
        flash("The scan for duplicates has started. Its results appear here when it finishes.", "success")
    return redirect_after_post(url_for("contacts.duplicates_queue"))


def _pair_from_form() -> tuple[Contact, Contact]:
    ids = sorted({request.form.get("a", type=as_id), request.form.get("b", type=as_id)} - {None})
    if len(ids) != 2:
        abort(400)
    a, b = db.session.get(Contact, ids[0]), db.session.get(Contact, ids[1])
    if a is None or b is None:
        abort(404)
    return a, b


@bp.post("/duplicates/dismiss")
@permission_required("contacts.edit")
def duplicates_dismiss():
    """Mark a pair "not a duplicate": it no longer shows as a candidate."""
    if not ActionForm().validate_on_submit():
        abort(400)
    a, b = _pair_from_form()
    if db.session.get(DuplicateDismissal, (a.id, b.id)) is None:
        db.session.add(DuplicateDismissal(contact_a_id=a.id, contact_b_id=b.id,
                                          dismissed_by_id=getattr(records._actor(), "id", None)))
        audit.record(audit.CREATE, object_type="contacts_duplicate_dismissal", object_id=f"{a.id}-{b.id}",
                     summary=f"Not a duplicate: {a.display_name} (#{a.id}) and {b.display_name} (#{b.id})")
        db.session.commit()
    if is_htmx():
        response = _render("contacts/_duplicate_dismissed.html", a=a, b=b, form=ActionForm(formdata=None),
                           here=next_url(url_for("contacts.duplicates_queue")))
        response.headers["HX-Trigger"] = CHANGED
        return response
    flash(f"Marked {a.display_name} and {b.display_name} as not duplicates.", "success")
    return redirect_after_post(next_url(url_for("contacts.duplicates_queue")))


@bp.post("/duplicates/undismiss")
@permission_required("contacts.edit")
def duplicates_undismiss():
    """Undo "not a duplicate"."""
    if not ActionForm().validate_on_submit():
        abort(400)
    a, b = _pair_from_form()
    row = db.session.get(DuplicateDismissal, (a.id, b.id))
    if row is not None:
        db.session.delete(row)
        audit.record(audit.DELETE, object_type="contacts_duplicate_dismissal", object_id=f"{a.id}-{b.id}",
                     summary=f"Possible duplicates again: {a.display_name} (#{a.id}) and "
                             f"{b.display_name} (#{b.id})")
        db.session.commit()
    back = next_url(url_for("contacts.duplicates_queue"))
    if is_htmx():
        candidate = duplicates.for_pair(a.id, b.id)
        if candidate is not None:
            response = _render("contacts/_duplicate_pair.html", cand=candidate,
                               households=_households([candidate]), form=ActionForm(formdata=None), here=back)
            response.headers["HX-Trigger"] = CHANGED
            return response
    flash(f"{a.display_name} and {b.display_name} may be duplicates again.", "success")
    return redirect_after_post(back)


# ---------------------------------------------------------------- merge
def _chosen(form) -> dict[str, str]:
    return {key[2:]: value for key, value in form.items()
            if key.startswith("f-") and value in (merge.KEEP, merge.OTHER, merge.BOTH)}


@bp.route("/merge", methods=["GET", "POST"])
@permission_required("contacts.delete")
def merge_contacts():
    """GET: the side-by-side preview (`?keep=<id>&other=<id>`). POST: merge."""
    if not can("contacts.edit"):
        abort(403)
    source = request.form if request.method == "POST" else request.args
    keep_id, other_id = source.get("keep", type=as_id), source.get("other", type=as_id)
    if keep_id is None or other_id is None:
        abort(400)
    survivor, merged = records.load(keep_id), records.load(other_id)
    form = ActionForm()
    try:
        merge.check(survivor, merged)
    except merge.MergeError as error:
        return _render("contacts/merge_problem.html", 409 if request.method == "POST" else 200,
                       problem=str(error), survivor=survivor, merged=merged)
    chosen = _chosen(request.form) if request.method == "POST" else {}
    if request.method == "POST" and form.validate_on_submit():
        merged_name = merged.display_name
        moves = merge.merge(survivor, merged, chosen)
        db.session.commit()
        survivor = records.load(keep_id)
        flash(f"Merged {merged_name} (#{other_id}) into {survivor.display_name} (#{keep_id}). "
              f"Moved: {merge.describe(moves)}.", "success")
        return redirect_after_post(url_for("contacts.show", contact_id=keep_id), trigger="contact-changed")
    moves = merge.summary(survivor, merged)
    return _render("contacts/merge.html", 400 if request.method == "POST" else 200,
                   survivor=survivor, merged=merged, rows=merge.field_rows(survivor, merged, chosen),
                   moves=moves, moved_text=merge.describe(moves), form=form,
                   back=next_url(url_for("contacts.duplicates_queue")))
