"""Tasks: "My tasks", adding, editing, completing, reopening and deleting
them, and the dashboard widget. The rules are in modules/contacts/activity/tasks_service.py.

A task changed here sends `tasks-changed` (the My tasks list reloads) and
`timeline-changed` (the contact's timeline region reloads: its Tasks box and
its "Task done" entries)."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app import edits
from app.extensions import db
from app.forms import DateField
from app.forms import choices as select_choices
from app.htmx import confirm_page, is_htmx, page_or_fragment, redirect_after_post
from app.ids import as_id, parse_id
from app.permissions import can, permission_required
from app.redirects import next_url
from modules.contacts.activity import tasks_service
from modules.contacts.activity.timeline import local_today
from modules.contacts.lists import search
from modules.contacts.models import Contact, Task
from modules.contacts.views import bp
from modules.contacts.views.timeline import helpers, live_contact

CHANGED = "tasks-changed, timeline-changed"


class TaskForm(FlaskForm):
    title = StringField("Task", validators=[InputRequired("Say what needs doing."), Length(max=200)])
    due_date = DateField("Due", validators=[Optional()])
    assignee_id = SelectField("Assigned to", coerce=int)
    contact_query = StringField("Contact", validators=[Optional(), Length(max=200)],
                                description="Optional: the name, email or phone of the contact it is about.")
    contact_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)], render_kw={"rows": 2})

    def values(self, contact: Contact | None) -> dict:
        return {"title": self.title.data.strip(), "notes": (self.notes.data or "").strip(),
                "due_date": self.due_date.data, "assignee_id": self.assignee_id.data or None,
                "contact_id": contact.id if contact else None}


def _assignee_choices(current_id: int | None = None):
    choices = tasks_service.active_users()
    if current_id and all(uid != current_id for uid, _ in choices):
        from app.models import User

        former = db.session.get(User, current_id)
        if former is not None:
            choices.append((former.id, f"{former.name} (inactive)"))
    return select_choices([(0, "Nobody yet"), *choices])


def new_task_form(formdata=None, contact: Contact | None = None, *, meta: dict | None = None,
                  assignee_id: int | None = None) -> TaskForm:
    """The task form; the API passes what it was sent, `meta={"csrf": False}`
    and, for a task it changes, the task's assignee (offered even if inactive)."""
    form = TaskForm(formdata=formdata, prefix="task", **({"meta": meta} if meta else {}))
    form.assignee_id.choices = _assignee_choices(assignee_id)
    if formdata is None:
        form.assignee_id.data = current_user.id
        if contact is not None:
            form.contact_id.data = contact.id
    return form


def _resolve_contact(form: TaskForm) -> tuple[Contact | None, list[Contact]]:
    """The contact a task is about, and the candidates to choose from when the
    text typed matches several. Adds an error to the form when it cannot tell."""
    chosen = form.contact_id.data
    if not form.contact_query.raw_data:  # the form of one contact's timeline: the contact is fixed
        if not chosen:
            return None, []
        contact = db.session.get(Contact, chosen)
        if contact is None or contact.deleted_at is not None:
            form.contact_query.errors = ["That contact is no longer there."]
            return None, []
        return contact, []
    text = (form.contact_query.data or "").strip()
    if not text:
        return None, []
    ids = search.matching_ids(text)
    live = db.select(Contact).where(Contact.deleted_at.is_(None))
    if chosen:
        contact = db.session.scalar(live.where(Contact.id == chosen))
        if contact is not None and (contact.display_name == text or ids is not None and db.session.scalar(
                db.select(Contact.id).where(Contact.id == chosen, Contact.id.in_(ids))) is not None):
            return contact, []
    rows = [] if ids is None else list(db.session.scalars(
        live.where(Contact.id.in_(ids)).order_by(Contact.sort_name, Contact.id).limit(6)))
    if len(rows) == 1:
        return rows[0], []
    form.contact_query.errors = list(form.contact_query.errors) + [
        f"No contact matches “{text}”. Check the spelling, or leave it blank." if not rows
        else "Several contacts match. Choose one below, or type more of the name."]
    return None, rows


def _task(task_id: int) -> Task:
    task = db.get_or_404(Task, task_id)
    if task.contact is not None and task.contact.deleted_at is not None:
        abort(404)
    return task


def _form_context(form: TaskForm, *, contact: Contact | None = None, candidates=(), next_url: str = "",
                  task: Task | None = None) -> dict:
    return {"task_form": form, "contact": contact, "fixed_contact": contact if not form.contact_query.raw_data
            and contact is not None and task is None else None, "candidates": candidates,
            "next_url": next_url, "task": task, **helpers()}


@bp.get("/tasks")
@permission_required("contacts.view")
def my_tasks():
    who = request.args.get("who", "me")
    if who not in ("me", "all") or not can("contacts.edit"):
        who = "me"
    contact = None
    if (contact_id := parse_id(request.args.get("contact"))) is not None:
        contact = live_contact(contact_id)
        who = "all"
    show = request.args.get("show")
    group_keys = [show] if show in tasks_service.GROUPS else list(tasks_service.GROUPS)
    today = local_today()
    filters = {"who": who if who != "me" and contact is None else None,
               "contact": contact.id if contact else None}
    groups = []
    for key in group_keys:
        group = tasks_service.GROUPS[key]
        tasks, cursor = tasks_service.group_page(
            group, today, assignee_id=current_user.id if who == "me" else None,
            contact_id=contact.id if contact else None,
            after=request.args.get("after") if show else None,
            limit=tasks_service.DONE_LIMIT if key == "done" and not show else tasks_service.GROUP_LIMIT)
        # On the overview, "more" opens the group on its own; there it pages on.
        more_url = cursor and url_for("contacts.my_tasks", show=key, after=cursor if show else None, **filters)
        groups.append((group, tasks, more_url))
    here = url_for("contacts.my_tasks", show=show, after=request.args.get("after"), **filters)
    form = new_task_form(contact=contact) if can("contacts.edit") else None
    context = {"groups": groups, "who": who, "contact": contact, "show": show, "filters": filters,
               "here": here, "all_url": url_for("contacts.my_tasks", **filters),
               **(_form_context(form, contact=contact, next_url=here) if form else helpers())}
    return page_or_fragment("contacts/tasks.html", "contacts/_tasks.html", **context)


@bp.route("/tasks/new", methods=["GET", "POST"])
@permission_required("contacts.edit")
def new_task():
    if request.method == "GET":
        contact = live_contact(request.args.get("contact", type=as_id)) if request.args.get("contact") else None
        return render_template("contacts/tasks_new.html", **_form_context(
            new_task_form(contact=contact), contact=contact, next_url=next_url(url_for("contacts.my_tasks"))))
    form = new_task_form(request.form)
    valid = form.validate()  # first: validate() clears the errors _resolve_contact adds
    contact, candidates = _resolve_contact(form)
    if valid and not form.contact_query.errors:
        tasks_service.create(form.values(contact), user=current_user)
        db.session.commit()
        if is_htmx():
            return "", 204, {"HX-Trigger": CHANGED}
        flash("Task added.", "success")
        default = url_for("contacts.timeline", contact_id=contact.id) if contact else url_for("contacts.my_tasks")
        return redirect_after_post(next_url(default), trigger=CHANGED)
    if form.contact_query.raw_data == [] and contact is None and form.contact_id.data:
        contact = db.session.get(Contact, form.contact_id.data)
    context = _form_context(form, contact=contact, candidates=candidates,
                            next_url=next_url(url_for("contacts.my_tasks")))
    template = "contacts/_task_form.html" if is_htmx() else "contacts/tasks_new.html"
    return render_template(template, **context), 422


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@permission_required("contacts.edit")
def edit_task(task_id: int):
    task = _task(task_id)
    posted = request.method == "POST"

    def stored_form(formdata=None):
        """The form as the stored task fills it (what the edit page shows)."""
        form = TaskForm(formdata=formdata, obj=task, prefix="task")
        form.assignee_id.choices = _assignee_choices(task.assignee_id)
        if formdata is None:
            form.assignee_id.data = task.assignee_id or 0
            form.contact_query.data = task.contact.display_name if task.contact else ""
        return form

    form = stored_form(request.form if posted else None)
    candidates: list = []
    back = next_url(url_for("contacts.my_tasks"))
    status = 200
    if not posted:
        edits.stamp(form)
    else:
        valid = form.validate()
        contact, candidates = _resolve_contact(form)
        if valid and not form.contact_query.errors and not edits.settle(form, task, stored_form):
            status = 409
        elif valid and not form.contact_query.errors:
            contact, candidates = _resolve_contact(form)  # again: the contact may be the one someone else set
        if status == 200 and valid and not form.contact_query.errors:
            changes = tasks_service.update(task, form.values(contact), user=current_user)
            db.session.commit()
            flash(edits.saved_message("Task saved." if changes else "Nothing changed.", form), "success")
            return redirect_after_post(back, trigger=CHANGED)
    context = _form_context(form, candidates=candidates, next_url=back, task=task)
    return render_template("contacts/tasks_edit.html", **context), 422 if form.errors else status


def _toggle(task_id: int, done: bool):
    task = _task(task_id)
    changed = (tasks_service.complete if done else tasks_service.reopen)(task, user=current_user)
    db.session.commit()
    if is_htmx():
        response = make_response(render_template("contacts/_task_row.html", task=task,
                                                 row=request.form.get("row", ""),
                                                 next_url=next_url(""), **helpers()))
        response.headers["HX-Trigger"] = "timeline-changed"
        return response
    if changed:
        flash(f"“{task.title}” is {'done' if done else 'open again'}.", "success")
    return redirect_after_post(next_url(url_for("contacts.my_tasks")), trigger=CHANGED)


@bp.post("/tasks/<int:task_id>/complete")
@permission_required("contacts.edit")
def complete_task(task_id: int):
    return _toggle(task_id, True)


@bp.post("/tasks/<int:task_id>/reopen")
@permission_required("contacts.edit")
def reopen_task(task_id: int):
    return _toggle(task_id, False)


@bp.route("/tasks/<int:task_id>/delete", methods=["GET", "POST"])
@permission_required("contacts.edit")
def delete_task(task_id: int):
    task = _task(task_id)
    if not tasks_service.may_delete(task, current_user):
        abort(403)
    back = next_url(url_for("contacts.my_tasks"))
    if request.method == "GET":
        return confirm_page("Delete this task?", f"Delete the task “{task.title}”? This cannot be undone.",
                            "Delete task", back, action=url_for("contacts.delete_task", task_id=task.id, next=back))
    title = task.title
    tasks_service.delete(task, user=current_user)
    db.session.commit()
    if is_htmx():
        return "", 204, {"HX-Trigger": CHANGED}
    flash(f"The task “{title}” is deleted.", "success")
    return redirect_after_post(back, trigger=CHANGED)


def tasks_due_widget() -> str:
    """Dashboard card: the current user's overdue and today's tasks."""
    tasks, count = tasks_service.due_for(current_user.id, local_today())
    return render_template("contacts/_widget_tasks.html", tasks=tasks, count=count,
                           cap=tasks_service.WIDGET_COUNT_CAP, **helpers())
