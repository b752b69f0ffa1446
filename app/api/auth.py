"""Who is calling the API: a personal access token in
`Authorization: Bearer ...`, and nothing else. The sign-in cookie is
refused under /api/ (so no page can be tricked into writing through the
API, and CSRF does not apply); the token's user is the request's
`current_user`, with the token's scopes narrowing their permissions."""

from __future__ import annotations

from flask import current_app, g, request

from app.api import limits, problems, tokens
from app.permissions import PUBLIC, view_permission

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="steward"'}


def _public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and view_permission(view) == PUBLIC


def authenticate():
    """`before_request`: runs before the default-deny check (app/hooks.py)."""
    if not problems.wants_problem():
        return None
    # The session cookie is never read under /api/: the request is anonymous
    # until a token says otherwise.
    g._login_user = current_app.login_manager.anonymous_user()
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        token = tokens.find(secret.strip())
        if token is None:
            return problems.response(401, "Not signed in", "The token is unknown, revoked or expired, or its "
                                     "user is deactivated.", headers=CHALLENGE)
        g._login_user = token.user
        g.steward_perms = tokens.permissions(token)
        g.api_token = token
        g.api_token_name = token.name
        tokens.touch(token, request.remote_addr)
        if not limits.hit(token.id):
            return problems.response(429, "Too many requests", "This token made too many requests; wait for "
                                     "the time in the RateLimit header.")
        return None
    if _public() or request.endpoint is None:
        return None  # the docs, the document; an unknown address answers 404
    if request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session")):
        detail = "The API does not accept the sign-in cookie. Send a personal access token: " \
                 "Authorization: Bearer <token> (Your account → API tokens)."
    else:
        detail = "Send a personal access token: Authorization: Bearer <token>."
    return problems.response(401, "Not signed in", detail, headers=CHALLENGE)


def _bad_text(value) -> bool:
    """A NUL byte (PostgreSQL stores none) or a lone surrogate (no UTF-8 has one)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


def refuse_unstorable_text():
    """`before_request`: a JSON body whose text no database column can hold
    is refused whole (400), before any view reads it."""
    if not problems.wants_problem() or not request.is_json or not request.content_length:
        return None
    body = request.get_json(silent=True)
    if body is not None and _bad_text(body):
        return problems.response(400, "Bad request", "The body holds a NUL byte or a lone surrogate, which "
                                 "no text can contain.")
    return None
