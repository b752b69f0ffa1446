"""Work the API hands to a background job, for any module's resource.

- `accepted(job)`: the 202 answer a write gives when the work is too big for
  one request (a batch of more than 1,000 records): the job's state, and
  `Location: /api/v1/jobs/{id}` to poll.
- `GET /api/v1/jobs/{id}`: that job's status, progress and, once finished,
  its result; only to the user whose token started it.
- `acting_as(job)`: in the worker, runs the job's work as the request would
  have run it: the same user and token (so the audit log names the token),
  the same permissions.
"""

from __future__ import annotations

from contextlib import contextmanager

import marshmallow as ma
from flask import current_app, g, url_for
from flask_login import current_user, login_user
from flask_smorest import Blueprint

from app.api import problems
from app.extensions import db
from app.models import Job, User
from app.permissions import signed_in

blp = Blueprint("api_jobs", __name__, description="Background jobs started through the API")

FAILED_DETAIL = "The job failed. An administrator can see why, and retry it, under Admin → Jobs."


class JobStatus(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "queued, started, finished, failed or interrupted (its worker stopped; it resumes)"})
    done = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True, allow_none=True)
    percent = ma.fields.Integer(required=True, allow_none=True)
    message = ma.fields.String(required=True)
    error = ma.fields.String(required=True, allow_none=True)
    result = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "What the job did, once finished (as far as it got, while it runs); its shape is "
                       "the resource's: a contacts batch gives created, updated, unchanged, results, errors."})
    created_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(required=True, allow_none=True)


def shown(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "title": job.title, "status": job.status, "done": job.done or 0,
            "total": job.total, "percent": job.percent, "message": job.message or "",
            "error": FAILED_DETAIL if job.status == Job.FAILED else None, "result": job.result,
            "created_at": job.created_at, "finished_at": job.finished_at}


def accepted(job: Job):
    """The 202 answer for a job just enqueued (it starts when the request commits)."""
    response = current_app.json.response(JobStatus().dump(shown(job)))
    response.status_code = 202
    response.headers["Location"] = url_for("api_jobs.job", job_id=job.id)
    return response


def token_args() -> dict:
    """What `acting_as` needs, for the job's args."""
    token = g.get("api_token")
    return {"user_id": current_user.id, "token_id": getattr(token, "id", None)}


@contextmanager
def acting_as(user_id: int, token_id: int | None):
    """A request context in the worker where `current_user` is the job's
    user and the permissions are its token's scopes within the user's
    permissions now, as in the request that started it (a token revoked
    since still narrows: the job accepted before runs, never with more)."""
    from app.api import tokens
    from app.models import ApiToken

    user = db.session.get(User, user_id)
    with current_app.test_request_context("/api/v1/jobs"):
        login_user(user)
        token = db.session.get(ApiToken, token_id) if token_id else None
        if token is not None:
            g.api_token, g.api_token_name = token, token.name
            g.steward_perms = tokens.permissions(token)
        yield user


@blp.route("/jobs/<id:job_id>")
@signed_in
@blp.response(200, JobStatus)
def job(job_id: int):
    """A job this token's user started: its progress, and its result once finished."""
    found = db.session.get(Job, job_id)
    if found is None or found.created_by_id != current_user.id:
        problems.abort_with(404, "Not found", f"You started no job {job_id}.")
    return shown(found)
