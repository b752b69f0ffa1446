"""A sequence's steps: add, edit (the core edit guard on the step's
carrier campaign), the editor's live preview, a preview as any contact,
and removal."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app import audit, edits
from app.extensions import db
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.ids import parse_id
from app.permissions import permission_required
from app.templating import TemplateProblem, editor
from app.templating.sanitise import without_styles
from modules.contacts.models import Contact
from modules.marketing import rendering, template_checks
from modules.marketing.sequences import steps
from modules.marketing.sequences.forms import StepForm, step_data
from modules.marketing.sequences.models import Sequence, Step
from modules.marketing.views import bp
from modules.marketing.views.campaign_send import _picker, render_for

SEND = "marketing.send"
# A sequence's audience is never expanded along relationships: no `related` fields.
FIELDS = [group for group in rendering.FIELDS if group[0] != "Related contacts"]


def _step(sequence_id: int, step_id: int) -> Step:
    step = db.get_or_404(Step, step_id)
    if step.sequence_id != sequence_id:
        abort(404)
    return step


def _page(form: StepForm, sequence: Sequence, step: Step | None, status: int = 200, preview=None):
    preview_url = url_for("marketing.step_body_preview", sequence_id=sequence.id, step_id=step.id if step else None)
    return render_template("marketing/step_form.html", form=form, sequence=sequence, step=step,
                           field_groups=editor.field_groups(FIELDS), preview=preview,
                           preview_url=preview_url), status


def _check(form: StepForm) -> bool:
    ok = form.validate_on_submit()
    for f, fmt in ((form.subject, None), (form.preheader, None), (form.body, form.format.data)):
        found = template_checks.problems(f.data or "", fmt) if fmt in (None, "markdown", "html") else []
        if found:
            f.errors = list(f.errors) + found
            ok = False
    return ok


def _values(form: StepForm) -> dict:
    return {"wait_hours": form.wait_hours, "subject": form.subject.data, "preheader": form.preheader.data or "",
            "body": form.body.data or "", "format": form.format.data}


@bp.route("/sequences/<int:sequence_id>/steps/new", methods=["GET", "POST"])
@permission_required(SEND)
def step_new(sequence_id: int):
    sequence = db.get_or_404(Sequence, sequence_id)
    if request.method == "GET":
        wait = 3 if sequence.steps else 0  # the first step usually goes at once
        return _page(StepForm(formdata=None, data={"format": "markdown", "wait": wait}), sequence, None)
    form = StepForm()
    if not _check(form):
        return _page(form, sequence, None, 422)
    step = steps.add(sequence, user=current_user, **_values(form))
    audit.record(audit.UPDATE, sequence, summary=f"Added step {step.position} to the sequence “{sequence.name}”")
    db.session.commit()
    flash(f"Step {step.position} is saved.", "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=sequence.id))


@bp.route("/sequences/<int:sequence_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
@permission_required(SEND)
def step_edit(sequence_id: int, step_id: int):
    step = _step(sequence_id, step_id)
    sequence = step.sequence

    def stored_form(formdata=None):
        return StepForm(formdata=formdata, data=step_data(step))

    form = stored_form(None) if request.method == "GET" else StepForm()
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, sequence, step)
    if form.validate_on_submit() and not edits.settle(form, step.campaign, stored_form):
        return _page(form, sequence, step, 409)
    if not _check(form):
        return _page(form, sequence, step, 422)
    before = step_data(step)
    values = _values(form)
    steps.change(step, **values)
    after = {name: getattr(form, name).data for name in before}
    changes = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if "body" in changes:
        changes["body"] = (f"{len(before['body'] or '')} characters", f"{len(after['body'] or '')} characters")
    if changes:
        audit.record(audit.UPDATE, step.campaign, summary=f"Edited step {step.position} of “{sequence.name}”",
                     changes=changes)
    db.session.commit()
    flash(edits.saved_message(f"Step {step.position} is saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=sequence.id))


@bp.post("/sequences/<int:sequence_id>/steps/preview")
@permission_required(SEND)
def step_body_preview(sequence_id: int):
    """The editor's live preview (sample values); without JavaScript the
    form comes back with it filled in."""
    sequence = db.get_or_404(Sequence, sequence_id)
    step_id = request.args.get("step_id", type=int)
    step = _step(sequence_id, step_id) if step_id else None
    form = StepForm()
    body, fmt = form.body.data or "", form.format.data
    found = template_checks.problems(body, fmt) if fmt in ("markdown", "html") else []
    result = editor.preview(body, fmt, rendering.sample_context(), problems=found,
                            note="With sample values; “Preview as a contact” on the step shows it in its layout.")
    if is_htmx():
        return editor.preview_fragment(result)
    return _page(form, sequence, step, 200, preview=result)


@bp.get("/sequences/<int:sequence_id>/steps/<int:step_id>/preview")
@permission_required("marketing.view")
def step_preview(sequence_id: int, step_id: int):
    step = _step(sequence_id, step_id)
    q = request.args.get("q", "")[:100]
    picked = None
    contact_id = parse_id(request.args.get("contact"))
    if contact_id is not None:
        picked = db.session.get(Contact, contact_id)
        picked = picked if picked is not None and picked.deleted_at is None else None
    try:
        subject, html, _ = render_for(step.campaign, picked)
        preview = {"subject": subject, "html": Markup(without_styles(html))}  # noqa: S704 (sanitised)
    except TemplateProblem as problem:
        preview = {"problem": str(problem)}
    db.session.commit()  # a contact's first preference key, for the links
    return render_template("marketing/step_preview.html", sequence=step.sequence, step=step, preview=preview,
                           picked=picked, found=_picker(q), q=q)


@bp.route("/sequences/<int:sequence_id>/steps/<int:step_id>/delete", methods=["GET", "POST"])
@permission_required(SEND)
def step_delete(sequence_id: int, step_id: int):
    step = _step(sequence_id, step_id)
    sequence = step.sequence
    back = url_for("marketing.sequence", sequence_id=sequence_id)
    if request.method == "GET":
        return confirm_page("Remove the step", f"Remove step {step.position} (“{step.campaign.subject}”) from "
                            f"“{sequence.name}”? Nobody gets it from now on; the steps after it move up.",
                            "Remove the step", back)
    position = step.position
    steps.remove(step)
    audit.record(audit.UPDATE, sequence, summary=f"Removed step {position} from the sequence “{sequence.name}”")
    db.session.commit()
    flash(f"Step {position} is removed.", "success")
    return redirect_after_post(back)
