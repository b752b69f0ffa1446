"""Admin pages: users, roles, invitations, sign-in lockouts, settings,
modules, audit log, mail outbox, mailboxes and background jobs. Each lives in its own file."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import (  # noqa: E402,F401
    audit_log,
    index,
    invitations,
    jobs,
    lockouts,
    mail_server,
    mailboxes,
    modules,
    outbox,
    roles,
    settings,
    users,
)
