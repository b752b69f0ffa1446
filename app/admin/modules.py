"""Admin: which modules are installed and enabled, and the choice of which
to enable at the next start (app/module_choice.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from app import audit, module_choice, settings
from app.admin import bp
from app.extensions import db
from app.hooks import refuse
from app.permissions import can, permission_required


def _page(chosen: set[str] | None = None, problems: dict[str, str] | None = None, status: int = 200):
    state = current_app.extensions["steward"]
    running = {m.name for m in state.enabled}
    stored = settings.get("core", module_choice.KEY)
    if chosen is None:
        chosen = set(stored) if isinstance(stored, list) else set(state.installed)
    core = state.enabled[0]
    modules = sorted(state.installed.values(), key=lambda m: m.name)
    configured = current_app.config.get("STEWARD_MODULES")
    return render_template("admin/modules.html", core=core, modules=modules, running=running, chosen=chosen,
                           problems=problems or {}, configured=configured,
                           pending=configured is None and chosen & set(state.installed) != running - {"core"},
                           may_choose=can("admin.modules_choose") and configured is None), status


@bp.route("/modules", methods=["GET", "POST"])
@permission_required("admin.modules")
def modules():
    if request.method == "GET":
        return _page()
    if not can("admin.modules_choose"):
        return refuse("admin.modules_choose")
    if current_app.config.get("STEWARD_MODULES") is not None:
        flash("STEWARD_MODULES is set in the server's configuration, and it wins: change it there.", "error")
        return redirect(url_for("admin.modules"), code=303)
    installed = current_app.extensions["steward"].installed
    chosen = {name for name in request.form.getlist("module") if name in installed}
    problems = module_choice.problems(installed, chosen)
    if problems:
        return _page(chosen, problems, 422)
    changes = settings.put("core", {module_choice.KEY: sorted(chosen)})
    if changes:
        audit.record(audit.UPDATE, object_type="core_setting", object_id=module_choice.KEY,
                     summary="Chose the modules to enable at the next start: " + (", ".join(sorted(chosen)) or "none"),
                     changes=changes)
        db.session.commit()
        flash("Saved. The change applies when Steward next starts: see below.", "success")
    else:
        flash("Nothing changed.", "success")
    return redirect(url_for("admin.modules"), code=303)
