"""Admin pages: users, roles, invitations, settings, modules, audit log,
mail outbox and background jobs. Each lives in its own file."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import audit_log, index, jobs, modules, outbox, roles, settings, users  # noqa: E402,F401
