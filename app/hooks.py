"""Request hooks: first-run setup, default-deny permissions, security headers,
error pages and template globals."""

from __future__ import annotations

import time
from functools import lru_cache, wraps

from flask import Flask, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app import assets, audit
from app.extensions import db
from app.htmx import is_htmx
from app.permissions import PUBLIC, can, view_permission

# Pages that stay reachable before the first administrator exists.
SETUP_OPEN = {"static", "assets.stylesheet", "setup.index", "health.healthz"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def needs_setup() -> bool:
    state = current_app.extensions["steward"]
    if state.has_users:
        return False
    from app.models import User

    state.has_users = db.session.execute(db.select(User.id).limit(1)).first() is not None
    return not state.has_users


def _enforce():
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    if endpoint not in SETUP_OPEN and not request.path.startswith("/api/") and needs_setup():
        return redirect(url_for("setup.index"))
    permission = view_permission(current_app.view_functions[endpoint])
    if permission is None:
        current_app.logger.error("view %s declares no permission; refusing", endpoint)
        abort(403)
    if permission == PUBLIC:
        return None
    if not current_user.is_authenticated:
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_htmx():
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
    if not can(permission):
        refuse(permission)
    return None


def _refuse_nul_bytes():
    """A NUL byte is in no address, name or text anyone types, and PostgreSQL
    can neither store nor compare one (psycopg raises DataError, a 500 from
    whichever query meets it first): the request is refused as a whole."""
    texts = [request.path]
    for source in (request.args, request.form) if request.method == "POST" else (request.args,):
        for key, values in source.lists():
            texts += [key, *values]
    if any("\x00" in text for text in texts):
        if request.path.startswith("/api/"):
            from app.api import problems

            return problems.response(400, "Bad request", "The request holds a NUL byte, which no text can contain.")
        return error_page(400, "Bad address", "This link or form holds a character no text can contain (a NUL byte), "
                          "so Steward did not read it. Check where the link came from.")
    return None


def refuse(permission: str, what: str = ""):
    """403, with the refusal in the audit log: for the default-deny hook and
    views that check a further permission themselves (`what` says for what)."""
    audit.record(audit.DENIED, object_type="endpoint", object_id=request.endpoint,
                 summary=f"{request.method} {request.path}{f' ({what})' if what else ''} needs {permission}")
    db.session.commit()
    abort(403)


def _headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        headers.setdefault("Cache-Control", "no-store")
    return response


ERROR_WORDS = {
    400: ("Something is missing", "This address or form is missing something it needs, or was sent "
                                  "in a way that could not be read. Go back and try again."),
    405: ("Not used that way", "This address is not meant to be opened like this. Go back and use "
                               "the page's buttons."),
    409: ("Changed meanwhile", "Someone else changed this at the same moment. Go back, reload the page "
                               "and try again."),
    410: ("Gone", "What was here has been removed."),
    413: ("Too large", "What was sent is larger than this server accepts."),
    415: ("Not a format Steward reads", "Go back and send a different kind of file."),
    503: ("Briefly unavailable", "Part of Steward is not answering. Try again in a minute."),
}


def error_page(code: int, title: str, message: str):
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def _current_nav(nav) -> str | None:
    """The menu entry for this page: its own endpoint, else the entry whose
    section names it, else the first entry of its blueprint."""
    endpoint = request.endpoint or ""
    if any(item.endpoint == endpoint for item in nav):
        return endpoint
    for item in nav:
        if any(endpoint.startswith(prefix) for prefix in item.section):
            return item.endpoint
    blueprint = endpoint.split(".")[0]
    return next((item.endpoint for item in nav if item.endpoint.split(".")[0] == blueprint), None)


@lru_cache(maxsize=512)
def _plain_url(url_map, script_root: str, endpoint: str, filename: str | None) -> str:
    return url_for(endpoint, filename=filename) if filename else url_for(endpoint)


def page_url(endpoint: str) -> str:
    """url_for(endpoint) for a page that takes no arguments, built once per
    process (and mount point): the layout links ~15 of them on every page."""
    return _plain_url(current_app.url_map, request.script_root, endpoint, None)


def static_url(filename: str) -> str:
    """url_for("static", filename=...), built once per process (and mount point)."""
    return _plain_url(current_app.url_map, request.script_root, "static", filename)


def _aria(field) -> dict:
    """aria attributes tying a form input to its hint and its errors."""
    ids = [f"{field.id}-hint"] if field.description else []
    ids += [f"{field.id}-error"] if field.errors else []
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def _or_problem(handler):
    """Under /api/, every error is a problem-details answer (app/api/problems.py)."""

    @wraps(handler)
    def wrapper(error):
        if request.path.startswith("/api/"):
            from app.api import problems

            return problems.from_error(error)
        return handler(error)

    return wrapper


def register(app: Flask) -> None:
    from app.admin.audit_words import record_words
    from app.dashboard import home_url
    from app.dates import when

    app.jinja_env.globals["aria"] = _aria
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["stylesheet_url"] = assets.stylesheet_url
    app.jinja_env.globals["home_url"] = home_url
    app.jinja_env.globals["when"] = when
    app.jinja_env.globals["record_words"] = record_words
    app.jinja_env.globals["is_htmx"] = is_htmx
    app.before_request(_refuse_nul_bytes)
    app.before_request(_enforce)
    app.after_request(_headers)

    @app.errorhandler(403)
    @_or_problem
    def forbidden(_e):
        return error_page(403, "Not allowed", "Your role does not include this page. "
                          "Ask an administrator if you need it.")

    @app.errorhandler(404)
    @_or_problem
    def not_found(_e):
        return error_page(404, "Not found", "There is nothing at this address.")

    @app.errorhandler(429)
    @_or_problem
    def too_many(_e):
        """Flask-Limiter's answer (the "forgot password" form); sign-in
        answers its own 429 with the login page (app/auth/views.py)."""
        from app.dates import duration_words
        from app.limiter import limiter

        limit = limiter.current_limit
        wait = f"in {duration_words(limit.window.reset_time - time.time())}" if limit else "later"
        return error_page(429, "Too many attempts",
                          f"There were too many requests from this network. Try again {wait}.")

    @app.errorhandler(CSRFError)
    @_or_problem
    def csrf_failed(_e):
        return error_page(400, "The form expired",
                          "This form was open too long or came from elsewhere. "
                          "Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    @_or_problem
    def any_other_error(error: HTTPException):
        """Every other error status gets Steward's own page, with the way back.
        Redirects (a missing trailing slash) and ready-made responses pass, and
        so does an untrusted Host header: no page can be built for that host."""
        if error.code is None or error.code < 400 or error.response is not None or isinstance(error, SecurityError):
            return error
        told = error.description if error.description != type(error).description else None
        title, message = ERROR_WORDS.get(error.code, (error.name, "Go back and try again."))
        html, code = error_page(error.code, title, told or message)
        response = current_app.make_response((html, code))
        for name, value in error.get_headers():  # Allow on a 405, Retry-After on a 503
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(500)
    @_or_problem
    def server_error(_e):
        db.session.rollback()
        return error_page(500, "Something went wrong",
                          "The error has been logged. Try again in a moment.")

    @app.context_processor
    def globals_():
        from app import settings

        state = current_app.extensions["steward"]
        nav = [item for item in state.nav if can(item.permission)] \
            if current_user.is_authenticated else []
        return {
            "org": settings.get_all("core"),
            "nav": nav,
            "module_scripts": state.scripts,
            "current_nav": _current_nav(nav),
            "can": can,
            "is_htmx": is_htmx(),
        }
