from flask import current_app, render_template

from app.admin import bp
from app.permissions import can, permission_required


@bp.route("/")
@permission_required("admin.*")  # any admin permission; the hook refuses (and audits) the rest
def index():
    """The core's sections and those the enabled modules add, grouped by module."""
    groups: dict[str, list] = {}
    for title, link in current_app.extensions["steward"].admin:
        if can(link.permission):
            groups.setdefault(title, []).append(link)
    return render_template("admin/index.html", groups=groups)
