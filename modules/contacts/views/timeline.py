"""The contact timeline: the merged entries of every module, paged and
filtered; logging notes, calls, meetings and emails; editing and deleting
them (rules in modules/contacts/activity/timeline.py).

One view serves the timeline page and the region the contact page embeds
(`hx-get` on load). The region reloads itself on the `timeline-changed`
event, which every change here (and task changes) sends.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import edits
from app.dates import org_zone
from app.extensions import db
from app.forms import choices
from app.htmx import confirm_page, is_htmx, page_or_fragment, redirect_after_post
from app.models.base import utcnow
from app.permissions import can, permission_required
from app.redirects import next_url
from modules.contacts.activity import tasks_service, timeline
from modules.contacts.models import Activity, Contact
from modules.contacts.views import bp

TIMELINE_CHANGED = "timeline-changed"


class EntryForm(FlaskForm):
    kind = SelectField("Kind", choices=choices((k, timeline.KIND_LABELS[k]) for k in timeline.WRITTEN_KINDS))
    occurred_at = DateTimeLocalField("When", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], tz=org_zone,
                                     validators=[InputRequired("Enter the date and time it happened.")])
    subject = StringField("Subject", validators=[Optional(), Length(max=200)])
    body = TextAreaField("Details", validators=[Length(max=20000)], render_kw={"rows": 3})

    def validate_body(self, field):
        if not (self.subject.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Write a subject or some details.")

    def validate_occurred_at(self, field):
        if field.data and field.data > utcnow() + timedelta(minutes=5):
            raise ValidationError("That is in the future. Add a task for what is planned.")

    def values(self) -> dict:
        when = self.occurred_at.data.astimezone(UTC)
        now = utcnow()
        if when.replace(second=0, microsecond=0) == now.replace(second=0, microsecond=0):
            when = now  # "now" as the form offered it: keep the exact order of entries
        return {"kind": self.kind.data, "subject": (self.subject.data or "").strip(),
                "body": (self.body.data or "").strip(), "occurred_at": when}


def new_entry_form(formdata=None, meta: dict | None = None) -> EntryForm:
    """The form for a new entry; the API passes what it was sent and `meta={"csrf": False}`."""
    form = EntryForm(formdata=formdata, prefix="entry", **({"meta": meta} if meta else {}))
    if formdata is None:
        form.occurred_at.data = timeline.local_now().replace(second=0, microsecond=0)
    return form


def live_contact(contact_id: int | None) -> Contact:
    contact = db.session.get(Contact, contact_id) if contact_id is not None else None
    if contact is None or contact.deleted_at is not None:
        abort(404)
    return contact


def contact_url(contact_id: int) -> str:
    """The contact page once it exists; the timeline page until then."""
    if "contacts.show" in current_app.view_functions:
        return url_for("contacts.show", contact_id=contact_id)
    return url_for("contacts.timeline", contact_id=contact_id)


def may_edit_entry(entry) -> bool:
    return (getattr(entry, "editable", False) and can("contacts.edit")
            and (entry.user_id == current_user.id or can("contacts.delete")))


def _kind() -> str:
    kind = request.args.get("kind", "all")
    return kind if kind in timeline.FILTERS else "all"


def _region(contact: Contact, *, kind: str = "all", cursor=None, form=None, task_form=None) -> dict:
    entries, next_cursor = timeline.page(contact.id, cursor, timeline.PER_PAGE, timeline.FILTERS[kind][1])
    open_tasks, more_tasks = ([], False) if cursor else tasks_service.open_for_contact(contact.id)
    filter_args = {} if kind == "all" else {"kind": kind}
    if can("contacts.edit") and cursor is None:
        from modules.contacts.views.tasks import new_task_form

        form = form or new_entry_form()
        task_form = task_form or new_task_form(contact=contact)
    return {
        "contact": contact, "kind": kind, "filters": timeline.FILTERS, "entries": entries, "cursor": cursor,
        "region_url": url_for("contacts.timeline", contact_id=contact.id, **filter_args),
        "more_url": next_cursor and url_for("contacts.timeline", contact_id=contact.id, before=str(next_cursor),
                                            **filter_args),
        "more_part_url": next_cursor and url_for("contacts.timeline", contact_id=contact.id,
                                                 before=str(next_cursor), part="entries", **filter_args),
        "open_tasks": open_tasks, "more_tasks": more_tasks, "form": form, "task_form": task_form,
        "show_url": contact_url(contact.id) if "contacts.show" in current_app.view_functions else None,
        **helpers(),
    }


def helpers() -> dict:
    """What the timeline and task templates use to show dates and links."""
    return {"when": timeline.when, "due_text": timeline.due_text, "today": timeline.local_today(),
            "contact_url": contact_url, "may_edit_entry": may_edit_entry,
            "may_delete_task": lambda task: tasks_service.may_delete(task, current_user),
            "kind_labels": timeline.KIND_LABELS}


@bp.get("/<int:contact_id>/timeline", endpoint="timeline")  # contacts.timeline
@permission_required("contacts.view")
def timeline_page(contact_id: int):
    contact = live_contact(contact_id)
    context = _region(contact, kind=_kind(), cursor=timeline.Cursor.parse(request.args.get("before")))
    if is_htmx() and request.args.get("part") == "entries":
        return render_template("contacts/_timeline_entries.html", **context)
    return page_or_fragment("contacts/timeline.html", "contacts/_timeline.html", **context)


def _changed(location: str):
    """After a change: the region reloads itself on the event (HTMX), or a 303."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Trigger"] = TIMELINE_CHANGED
        return response
    return redirect_after_post(location, trigger=TIMELINE_CHANGED)


@bp.post("/<int:contact_id>/timeline")
@permission_required("contacts.edit")
def add_entry(contact_id: int):
    contact = live_contact(contact_id)
    form = new_entry_form(request.form)
    if not form.validate():
        if is_htmx():
            return render_template("contacts/_timeline_form.html", form=form, contact=contact), 422
        return render_template("contacts/timeline.html", **_region(contact, form=form)), 422
    timeline.log(contact.id, form.values(), user=current_user)
    db.session.commit()
    return _changed(next_url(url_for("contacts.timeline", contact_id=contact.id)))


def _own_activity(activity_id: int) -> Activity:
    activity = db.get_or_404(Activity, activity_id)
    live_contact(activity.contact_id)
    if not timeline.may_edit(activity, current_user):
        abort(403)
    return activity


@bp.route("/entries/<int:activity_id>/edit", methods=["GET", "POST"])
@permission_required("contacts.edit")
def edit_entry(activity_id: int):
    activity = _own_activity(activity_id)

    def stored_form(formdata=None):
        """The form as the stored entry fills it. Its time is the minute the
        form shows, in the zone a posted time is read in, so that an
        untouched time compares equal to what is stored (app/edits)."""
        form = EntryForm(formdata=formdata, obj=activity, prefix=f"entry{activity.id}")
        if formdata is None:
            form.occurred_at.data = _shown_minute(activity.occurred_at)
        return form

    form = stored_form(request.form if request.method == "POST" else None)
    back = url_for("contacts.timeline", contact_id=activity.contact_id)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, activity, stored_form):
        status = 409
    elif not form.errors:
        values = form.values()
        if values["occurred_at"].replace(second=0, microsecond=0) == \
                _as_utc(activity.occurred_at).replace(second=0, microsecond=0):
            values["occurred_at"] = activity.occurred_at  # the minute shown was kept
        timeline.edit(activity, values, user=current_user)
        db.session.commit()
        return _changed(next_url(back))
    context = {"form": form, "activity": activity, "contact": db.session.get(Contact, activity.contact_id),
               "back": back}
    return page_or_fragment("contacts/timeline_entry_edit.html", "contacts/_timeline_entry_form.html",
                            **context), 422 if form.errors else status


def _as_utc(moment):
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # naive stamps are UTC


def _shown_minute(moment):
    """`moment` as the edit form shows and posts it back: to the minute, in the organisation's zone."""
    return _as_utc(moment).astimezone(org_zone()).replace(second=0, microsecond=0)


@bp.route("/entries/<int:activity_id>/delete", methods=["GET", "POST"])
@permission_required("contacts.edit")
def delete_entry(activity_id: int):
    activity = _own_activity(activity_id)
    back = url_for("contacts.timeline", contact_id=activity.contact_id)
    if request.method == "GET":
        return confirm_page("Delete this entry?",
                            f"Delete the {timeline.KIND_LABELS[activity.kind].lower()} "
                            f"“{activity.subject or activity.body[:60]}”? This cannot be undone.",
                            "Delete entry", back)
    timeline.delete(activity, user=current_user)
    db.session.commit()
    return _changed(next_url(back))
