"""Drip sequences: the list, adding and editing one (the core edit guard),
switching it on and off, its page (counts per step, who finished, who
left), adding a contact by hand, and removing one (with undo)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import audit, edits
from app.extensions import db
from app.htmx import redirect_after_post
from app.paging import keyset
from app.permissions import permission_required
from modules.contacts.models import Contact, Segment
from modules.marketing.models import Topic
from modules.marketing.sequences import enrol, stats, steps
from modules.marketing.sequences.forms import AddContactForm, sequence_data, sequence_form
from modules.marketing.sequences.models import (
    ACTIVE,
    BY_HAND,
    FINISHED,
    IN_PROGRESS,
    LEFT,
    LEFT_REASONS,
    PAUSED,
    SEGMENT,
    SEQUENCE_STATES,
    TRIGGERS,
    Enrolment,
    Sequence,
)
from modules.marketing.views import bp

SEND = "marketing.send"
FIELDS = ("name", "topic_id", "trigger", "segment_id", "sender_id", "layout_id")


@bp.get("/sequences")
@permission_required("marketing.view")
def sequences():
    listing = keyset(select(Sequence), Sequence.id, newest_first=True)
    counts = stats.in_progress_by_sequence([s.id for s in listing.items])
    topics = dict(db.session.execute(select(Topic.id, Topic.name)).all())
    return render_template("marketing/sequences.html", listing=listing, counts=counts, topics=topics,
                           states=SEQUENCE_STATES, triggers=TRIGGERS)


def _form_page(form, sequence: Sequence | None, status: int = 200):
    return render_template("marketing/sequence_form.html", form=form, sequence=sequence), status


def _values(form) -> dict:
    values = {name: getattr(form, name).data for name in FIELDS}
    if values["trigger"] != SEGMENT:
        values["segment_id"] = None
    return values


@bp.route("/sequences/new", methods=["GET", "POST"])
@permission_required(SEND)
def sequence_new():
    form = sequence_form(None if request.method == "GET" else ..., {"trigger": SEGMENT})
    if request.method == "GET":
        return _form_page(form, None)
    if not form.validate_on_submit():
        return _form_page(form, None, 422)
    sequence = Sequence(created_by_id=current_user.id, status=PAUSED, **_values(form))
    db.session.add(sequence)
    db.session.flush()
    audit.record(audit.CREATE, sequence, summary=f"Added the sequence “{sequence.name}”")
    db.session.commit()
    flash(f"The sequence “{sequence.name}” is saved, switched off. Add its steps, then switch it on.", "success")
    return redirect_after_post(url_for("marketing.step_new", sequence_id=sequence.id))


@bp.route("/sequences/<int:sequence_id>/edit", methods=["GET", "POST"])
@permission_required(SEND)
def sequence_edit(sequence_id: int):
    sequence = db.get_or_404(Sequence, sequence_id)

    def stored_form(formdata=None):
        return sequence_form(formdata, sequence_data(sequence))

    form = stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _form_page(form, sequence)
    if not form.validate_on_submit():
        return _form_page(form, sequence, 422)
    if not edits.settle(form, sequence, stored_form):
        return _form_page(form, sequence, 409)
    values = _values(form)
    changes = audit.diff(sequence, values)
    for name, value in values.items():
        setattr(sequence, name, value)
    steps.sync(sequence)
    if changes:
        audit.record(audit.UPDATE, sequence, summary=f"Edited the sequence “{sequence.name}”", changes=changes)
    db.session.commit()
    flash(edits.saved_message("The sequence is saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=sequence.id))


@bp.get("/sequences/<int:sequence_id>")
@permission_required("marketing.view")
def sequence(sequence_id: int, add_form=None, status: int = 200):
    item = db.get_or_404(Sequence, sequence_id)
    return render_template(
        "marketing/sequence.html", sequence=item, counts=stats.counts(item), states=SEQUENCE_STATES,
        triggers=TRIGGERS, reasons=LEFT_REASONS, topic=db.session.get(Topic, item.topic_id) if item.topic_id else None,
        segment=db.session.get(Segment, item.segment_id) if item.segment_id else None,
        in_progress=stats.latest(item, IN_PROGRESS), finished=stats.latest(item, FINISHED),
        left=stats.latest(item, LEFT), add_form=add_form or AddContactForm(), BY_HAND=BY_HAND), status


@bp.post("/sequences/<int:sequence_id>/status")
@permission_required(SEND)
def sequence_status(sequence_id: int):
    item = db.get_or_404(Sequence, sequence_id)
    wanted = request.form.get("status")
    if wanted == ACTIVE and not item.steps:
        flash("Add a step before switching the sequence on.", "error")
    elif wanted in (ACTIVE, PAUSED) and wanted != item.status:
        audit.record(audit.UPDATE, item, summary=f"{'Switched on' if wanted == ACTIVE else 'Paused'} the sequence "
                                                 f"“{item.name}”", changes={"status": (item.status, wanted)})
        item.status = wanted
        if wanted == ACTIVE:
            from app import schedules

            schedules.wake(enrol.DUE_SCHEDULE)
            if item.trigger == SEGMENT:
                from modules.marketing.sequences.triggers import SEGMENT_SCHEDULE

                schedules.wake(SEGMENT_SCHEDULE)
        db.session.commit()
        flash("The sequence is on: people enter and steps are sent." if wanted == ACTIVE else
              "The sequence is paused: nobody enters and no step is sent until it is switched on again; "
              "steps that fall due meanwhile go out then.", "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=item.id))


@bp.post("/sequences/<int:sequence_id>/enrol")
@permission_required(SEND)
def sequence_enrol(sequence_id: int):
    item = db.get_or_404(Sequence, sequence_id)
    form = AddContactForm()
    if not form.validate_on_submit():
        return sequence(sequence_id, add_form=form, status=422)
    address = form.email.data.strip().lower()
    contact = db.session.scalar(select(Contact).where(func.lower(Contact.email) == address,
                                                      Contact.deleted_at.is_(None)).order_by(Contact.id).limit(1))
    if contact is None:
        form.email.errors = ["No contact has that address."]
        return sequence(sequence_id, add_form=form, status=422)
    if item.status != ACTIVE:
        form.email.errors = ["Switch the sequence on first."]
        return sequence(sequence_id, add_form=form, status=422)
    if not enrol.enter_one(item, contact.id, "added by hand"):
        already = db.session.scalar(select(Enrolment.id).where(Enrolment.sequence_id == item.id,
                                                               Enrolment.contact_id == contact.id))
        form.email.errors = ["They have been through this sequence already: each contact goes through it once."
                             if already else "They are not subscribed to the sequence's topic."]
        return sequence(sequence_id, add_form=form, status=422)
    audit.record(audit.UPDATE, item, summary=f"Added {contact.display_name} to the sequence “{item.name}”")
    db.session.commit()
    flash(f"{contact.display_name} entered the sequence.", "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=item.id))


def _enrolment(sequence_id: int, enrolment_id: int) -> Enrolment:
    row = db.get_or_404(Enrolment, enrolment_id)
    if row.sequence_id != sequence_id:
        from flask import abort

        abort(404)
    return row


@bp.post("/sequences/<int:sequence_id>/enrolments/<int:enrolment_id>/remove")
@permission_required(SEND)
def enrolment_remove(sequence_id: int, enrolment_id: int):
    row = _enrolment(sequence_id, enrolment_id)
    contact = db.session.get(Contact, row.contact_id)
    if enrol.remove(row):
        item = db.session.get(Sequence, sequence_id)
        audit.record(audit.UPDATE, item, summary=f"Removed {contact.display_name} from the sequence “{item.name}”")
        db.session.commit()
        flash(f"{contact.display_name} left the sequence: no more steps go to them. "
              "“Put back” in the list of those who left undoes it.", "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=sequence_id))


@bp.post("/sequences/<int:sequence_id>/enrolments/<int:enrolment_id>/undo")
@permission_required(SEND)
def enrolment_undo(sequence_id: int, enrolment_id: int):
    row = _enrolment(sequence_id, enrolment_id)
    contact = db.session.get(Contact, row.contact_id)
    if enrol.undo_remove(row):
        item = db.session.get(Sequence, sequence_id)
        audit.record(audit.UPDATE, item, summary=f"Put {contact.display_name} back in the sequence “{item.name}”")
        db.session.commit()
        flash(f"{contact.display_name} is back in the sequence, at the step they had reached.", "success")
    return redirect_after_post(url_for("marketing.sequence", sequence_id=sequence_id))
