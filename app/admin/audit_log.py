"""Admin: the audit log, newest first, filterable, keyset-paginated."""

from __future__ import annotations

from datetime import timedelta

from flask import request

from app import audit
from app.admin import bp
from app.admin.forms import AuditFilterForm
from app.dates import day_start
from app.extensions import db
from app.htmx import page_or_fragment
from app.models import AuditEntry
from app.paging import keyset, prefix_like
from app.permissions import permission_required


def _filtered(form: AuditFilterForm):
    """The query with every valid filter applied (an invalid one is shown, not used)."""
    form.validate()
    stmt = db.select(AuditEntry)

    def value(field):
        return None if field.errors else field.data

    if value(form.action):
        stmt = stmt.where(AuditEntry.action == form.action.data)
    if value(form.actor):
        stmt = stmt.where(prefix_like(AuditEntry.actor, form.actor.data.lower()))
    if value(form.object_type):
        stmt = stmt.where(AuditEntry.object_type == form.object_type.data)
    if value(form.object_id):
        stmt = stmt.where(AuditEntry.object_id == form.object_id.data)
    if value(form.date_from):
        stmt = stmt.where(AuditEntry.at >= day_start(form.date_from.data))
    if value(form.date_to):
        stmt = stmt.where(AuditEntry.at < day_start(form.date_to.data + timedelta(days=1)))
    return stmt


@bp.route("/audit", endpoint="audit")
@permission_required("admin.audit")
def audit_log():
    form = AuditFilterForm(request.args, actions=audit.ACTIONS)
    listing = keyset(_filtered(form), AuditEntry.id, newest_first=True)
    filtered = any(v for k, v in request.args.items() if k not in ("after", "before"))
    return page_or_fragment("admin/audit.html", "admin/_audit_results.html",
                            form=form, listing=listing, filtered=filtered)

