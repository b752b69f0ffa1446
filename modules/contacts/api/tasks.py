"""Tasks: /tasks, checked by the task form of the pages ("My tasks")."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.contacts.activity import tasks_service
from modules.contacts.api import shown
from modules.contacts.api.schemas import ID
from modules.contacts.models import Task

blp = Blueprint("api_tasks", __name__, description="Tasks, about a contact or none, assigned to a user")


class TaskSchema(ma.Schema):
    class Meta:
        name = "Task"

    id = f.Integer(dump_only=True)
    title = f.String(validate=v.Length(max=200), metadata={"description": "What needs doing (required)."})
    notes = f.String(validate=v.Length(max=20000))
    due_date = f.Date(allow_none=True)
    assignee_id = f.Integer(allow_none=True, strict=True, validate=ID,
                            metadata={"description": "An active user; null: nobody yet."})
    contact_id = f.Integer(allow_none=True, strict=True, validate=ID)
    done = f.Boolean(metadata={"description": "true completes the task, false reopens it."})
    done_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)


class TaskQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    assignee_id = f.Integer(load_default=None, validate=ID)
    contact_id = f.Integer(load_default=None, validate=ID)
    done = f.Boolean(load_default=None, metadata={"description": "false: open tasks; true: done ones."})


TaskPage = lists.page_schema(TaskSchema, "TaskPage")
ALLOWED = set(TaskSchema().fields)


def show(task: Task) -> dict:
    return {"id": task.id, "title": task.title, "notes": task.notes or "", "due_date": task.due_date,
            "assignee_id": task.assignee_id, "contact_id": task.contact_id, "done": task.done_at is not None,
            "done_at": task.done_at, "created_at": task.created_at}


def _task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or (task.contact is not None and task.contact.deleted_at is not None):
        problems.abort_with(404, "Not found", f"There is no task {task_id}.")
    return task


def _checked(data: dict, task: Task | None = None) -> dict:
    """The values to save, checked by the page's task form."""
    from modules.contacts.views.tasks import new_task_form

    posted = MultiDict({"task-title": data.get("title") or "", "task-notes": data.get("notes") or "",
                        "task-due_date": data["due_date"].isoformat() if data.get("due_date") else "",
                        "task-assignee_id": str(data.get("assignee_id") or 0)})
    form = new_task_form(posted, meta={"csrf": False}, assignee_id=task.assignee_id if task else None)
    valid = form.validate()
    errors = {name: list(messages) for name, messages in form.errors.items()}
    contact = None
    if data.get("contact_id") is not None:
        contact = shown.load(data["contact_id"])
        if contact is None:
            errors["contact_id"] = [f"There is no contact {data['contact_id']}."]
    if not valid or errors:
        problems.invalid(errors)
    return form.values(contact)


def _done(task: Task, done: bool | None) -> None:
    if done is True:
        tasks_service.complete(task, user=current_user)
    elif done is False:
        tasks_service.reopen(task, user=current_user)


@blp.route("/tasks")
@permission_required("contacts.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(TaskQuery, location="query", as_kwargs=False)
@blp.response(200, TaskPage)
def index(paging, query):
    """Tasks of live contacts (or of none), oldest first."""
    stmt = tasks_service.base_query(query["assignee_id"], query["contact_id"])
    if query["done"] is not None:
        stmt = stmt.where(Task.done_at.is_not(None) if query["done"] else Task.done_at.is_(None))
    rows, cursor = lists.by_id(stmt, Task.id, paging["after"], paging["limit"])
    return lists.envelope([show(t) for t in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/tasks", methods=["POST"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(TaskSchema, as_kwargs=False)
@blp.response(201, TaskSchema)
def create(body):
    task = tasks_service.create(_checked(body), user=current_user)
    _done(task, body.get("done"))
    data = show(task)
    return data, 201, {"Location": url_for("api_tasks.read", task_id=task.id), "ETag": writes.etag_of(data)}


@blp.route("/tasks/<id:task_id>")
@permission_required("contacts.view")
@blp.response(200, TaskSchema)
def read(task_id: int):
    data = show(_task(task_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/tasks/<id:task_id>", methods=["PATCH"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(TaskSchema(partial=True), as_kwargs=False)
@blp.response(200, TaskSchema)
def update(body, task_id: int):
    task = _task(task_id)
    writes.check_if_match(task, show)
    tasks_service.update(task, _checked({**show(task), **body}, task), user=current_user)
    _done(task, body.get("done"))
    data = show(task)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/tasks/<id:task_id>", methods=["DELETE"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.response(204)
def delete(task_id: int):
    task = _task(task_id)
    if not tasks_service.may_delete(task, current_user):
        problems.abort_with(403, "Not allowed", "Only the task's creator or assignee, or someone who may "
                                                "delete contacts, deletes a task.")
    writes.check_if_match(task, show)
    tasks_service.delete(task, user=current_user)
    return "", 204
