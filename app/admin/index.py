from flask import render_template

from app.admin import bp
from app.permissions import can, permission_required

SECTIONS = [
    ("Users", "admin.users", "admin.users", "Who can sign in, their roles, invitations."),
    ("Roles", "admin.roles", "admin.roles", "What each role may see and do."),
    ("Organisation", "admin.settings", "admin.settings", "Name, timezone, currency and locale."),
    ("Modules", "admin.modules", "admin.modules", "Which modules are enabled."),
    ("Audit log", "admin.audit", "admin.audit", "Who did what, and when."),
    ("Outbox", "admin.outbox", "admin.mail", "Every email Steward sent or will send."),
    ("Jobs", "admin.jobs", "admin.jobs", "Background work, its progress and failures."),
]


@bp.route("/")
@permission_required("admin.*")  # any admin permission; the hook refuses (and audits) the rest
def index():
    sections = [s for s in SECTIONS if can(s[2])]
    return render_template("admin/index.html", sections=sections)
