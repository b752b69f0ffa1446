"""Every error under /api/ as RFC 9457 problem details
(`application/problem+json`): 401, 403, 404, 405, 412, 422, 429, 500 alike.

A validation error names each field it is about: `errors` is a list of
`{"field": "emails[0].email", "pointer": "/emails/0/email", "detail": ...}`
(`pointer` is a JSON Pointer into the request body, or the query parameter's
name for `"in": "query"`)."""

from __future__ import annotations

import json
import re

from flask import current_app, request
from flask_smorest import abort
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

TYPES = {
    422: "urn:steward:problem:invalid",
    412: "urn:steward:problem:stale",
    429: "urn:steward:problem:rate-limited",
}
LOCATIONS = {"json": "body", "query": "query", "headers": "header", "view_args": "path", "form": "body"}


def wants_problem() -> bool:
    """Whether this request is the API's (errors answer JSON, not a page)."""
    return request.path.startswith(API_PREFIX)


def response(status: int, title: str, detail: str = "", *, type_: str | None = None, headers=None, **extra):
    body = {"type": type_ or TYPES.get(status, "about:blank"), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(extra)
    reply = current_app.response_class(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        reply.headers[name] = value
    return reply


def invalid(errors: dict, detail: str = "Some fields need attention.", status: int = 422):
    """Stop with a 422 naming each field: `errors` is `{"emails[0].email": ["..."]}`
    or nested `{"emails": {0: {"email": [...]}}}` as marshmallow gives them."""
    abort(status, messages={"json": errors}, message=detail)


def _flatten(messages, path=()):
    """marshmallow's nested messages as (path, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            yield from _flatten(value, (*path, index))
    else:
        yield path, str(messages)


def _field_name(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PART = re.compile(r"[^.\[\]]+")


def _split(path) -> tuple:
    """("emails[0].email",) -> ("emails", 0, "email"): flat names as views write them."""
    out: list = []
    for part in path:
        if isinstance(part, str) and ("." in part or "[" in part):
            out += [int(p) if p.isdigit() else p for p in _PART.findall(part)]
        else:
            out.append(part)
    return tuple(out)


def field_errors(messages: dict) -> list[dict]:
    errors = []
    for location, fields in (messages or {}).items():
        where = LOCATIONS.get(location, location)
        for raw_path, message in _flatten(fields):
            path = _split(raw_path)
            if location == "json" and path and str(path[0]).startswith("_schema"):
                path = path[1:]  # a whole-body error
            name = _field_name(path)
            pointer = "/" + "/".join(str(p) for p in path) if where == "body" else name
            errors.append({"in": where, "field": name, "pointer": pointer, "detail": message})
    return errors


TITLES = {
    400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 412: "Changed meanwhile", 413: "Too large",
    415: "Unsupported media type", 422: "Invalid request", 428: "Precondition required",
    429: "Too many requests", 500: "Server error",
}


def from_error(error) -> object:
    """The problem response for an HTTPException (or any error, as a 500)."""
    if getattr(error, "response", None) is not None:
        return error.response  # a view's own answer (abort_with)
    if not isinstance(error, HTTPException):
        from app.extensions import db

        db.session.rollback()
        return response(500, TITLES[500], "The error has been logged.")
    code = error.code or 500
    if code >= 500:
        from app.extensions import db

        db.session.rollback()
    data = getattr(error, "data", None) or {}
    extra, detail = {}, data.get("message") or ""
    messages = data.get("messages") or data.get("errors")
    if messages:
        extra["errors"] = field_errors(messages)
        detail = detail or "; ".join(f"{e['field'] or 'request'}: {e['detail']}" for e in extra["errors"][:5])
    if not detail and error.description and error.description != type(error).description:
        detail = error.description
    if code == 405 and getattr(error, "valid_methods", None):
        detail = detail or f"This address takes {', '.join(sorted(set(error.valid_methods) - {'HEAD', 'OPTIONS'}))}."
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return response(code, data.get("title") or TITLES.get(code, error.name), detail, headers=headers, **extra)


def abort_with(status: int, title: str, detail: str, *, headers=None, type_: str | None = None, **extra):
    """Stop the request with this problem (from anywhere in a view);
    `extra` members join the problem (`duplicates=[...]`)."""
    from werkzeug.exceptions import abort as werkzeug_abort

    werkzeug_abort(response(status, title, detail, headers=headers, type_=type_, **extra))


def invalid_query(errors: dict, detail: str = "Some query parameters need attention."):
    abort(422, messages={"query": errors}, message=detail)
