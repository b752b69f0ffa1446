"""Admin: which modules are installed and enabled (read-only)."""

from __future__ import annotations

from flask import current_app, render_template

from app.admin import bp
from app.permissions import permission_required


@bp.route("/modules")
@permission_required("admin.modules")
def modules():
    state = current_app.extensions["steward"]
    enabled = {m.name for m in state.enabled}
    core = state.enabled[0]
    rows = [(core, True)] + [(m, m.name in enabled) for m in sorted(state.installed.values(),
                                                                    key=lambda m: m.name)]
    return render_template("admin/modules.html", rows=rows,
                           configured=current_app.config.get("STEWARD_MODULES"))
