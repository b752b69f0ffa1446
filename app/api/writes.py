"""What every API write shares: one transaction committed here, ETags for
optimistic concurrency, and Idempotency-Key on POST.

ETag: the fingerprint (app/edits/fingerprints.py) of the record as the API
shows it, so any change by any path (a page, an import, another module)
changes it, and no table needs a version column, as with edit forms.
`If-Match` on PATCH/DELETE: the record's row is locked, shown afresh and
compared; a mismatch is 412 and nothing is written.

Idempotency-Key on POST: the key is stored with a hash of the request and
the answer, in the same transaction as the record it made. A retry with the
same key gets the stored answer (`Idempotent-Replayed: true`); the same key
with a different request is a 422 problem. Two tries at once: the unique
(token, key) index lets one commit; the other waits, fails, and replays the
first one's answer."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request
from sqlalchemy.exc import IntegrityError

from app.api import problems
from app.edits import hold_edit_lock
from app.edits.fingerprints import fingerprint
from app.extensions import db
from app.models import ApiIdempotentRequest
from app.models.base import utcnow

KEPT = timedelta(hours=24)
MAX_KEY = 255


def etag_of(shown: dict) -> str:
    return f'"{fingerprint(shown)}"'


def check_if_match(record, show) -> None:
    """With `If-Match`: lock `record`, show it afresh (`show(record)` gives
    the dict the API sends) and refuse a stale write with 412."""
    wanted = request.headers.get("If-Match")
    if not wanted:
        return
    hold_edit_lock(record)
    db.session.expire(record)  # columns and collections read afresh, under the lock
    current = etag_of(show(record))
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    if "*" not in tags and current not in tags:
        db.session.rollback()
        problems.abort_with(412, "Changed meanwhile", "The record changed since you read it (its ETag is "
                            f"now {current}). Read it again, apply your change, and send it with the new ETag.",
                            headers={"ETag": current})


def _request_print() -> str:
    body = request.get_data(cache=True) or b""
    try:
        body = json.dumps(json.loads(body), sort_keys=True).encode()
    except ValueError:
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


def _replay(stored: ApiIdempotentRequest):
    reply = current_app.response_class(stored.body, status=stored.status, mimetype="application/json")
    if stored.location:
        reply.headers["Location"] = stored.location
    reply.headers["Idempotent-Replayed"] = "true"
    return reply


def _stored(token_id: int, key: str) -> ApiIdempotentRequest | None:
    return db.session.scalar(db.select(ApiIdempotentRequest).where(
        ApiIdempotentRequest.token_id == token_id, ApiIdempotentRequest.key == key))


def _same_or_refuse(stored: ApiIdempotentRequest, fingerprint_: str):
    if stored.fingerprint != fingerprint_:
        problems.abort_with(422, "Idempotency key reused", "This Idempotency-Key was used for a different "
                            "request. Use a new key for a new request.",
                            type_="urn:steward:problem:idempotency-key-reused")
    return _replay(stored)


def write(view):
    """Decorate an API view that changes data: it commits once, after the
    view returned a success; an error answer (or exception) rolls back.
    POST honours Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip() if request.method == "POST" else ""
        token = g.get("api_token")
        record = None
        if key and token is not None:
            if len(key) > MAX_KEY:
                problems.abort_with(422, "Invalid request", f"An Idempotency-Key is at most {MAX_KEY} characters.")
            fingerprint_ = _request_print()
            db.session.execute(db.delete(ApiIdempotentRequest).where(ApiIdempotentRequest.created_at < utcnow() - KEPT))
            stored = _stored(token.id, key)
            if stored is not None:
                return _same_or_refuse(stored, fingerprint_)
            record = ApiIdempotentRequest(token_id=token.id, key=key, fingerprint=fingerprint_, status=0, body="")
            db.session.add(record)
            try:
                db.session.flush()  # PostgreSQL: waits here for a request with the same key to finish
            except IntegrityError:
                db.session.rollback()
                stored = _stored(token.id, key)
                if stored is None:
                    raise
                return _same_or_refuse(stored, fingerprint_)
        try:
            reply = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        if reply.status_code >= 400:
            db.session.rollback()
            return reply
        if record is not None:
            record.status, record.body = reply.status_code, reply.get_data(as_text=True)
            record.location = reply.headers.get("Location")
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if record is None:
                raise
            stored = _stored(token.id, key)  # the same key, committed by a request at the same time
            if stored is None:
                raise
            return _same_or_refuse(stored, fingerprint_)
        return reply

    return wrapper


# The headers above, for the OpenAPI document: `@blp.doc(parameters=[writes.IF_MATCH])`.
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string", "maxLength": 200},
            "description": "The ETag the record was read with: a record changed since is refused with 412."}
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "maxLength": MAX_KEY},
                   "description": "Any unique text: a retry with the same key gets the first answer again "
                                  "and makes nothing (24 hours, per token)."}
