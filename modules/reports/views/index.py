"""/reports/: the reports a user may open (saved ones: their own and those
shared with their role), and the way to the builder."""

from itertools import groupby

from flask import render_template
from flask_login import current_user

from app.extensions import db
from app.permissions import can, permission_required
from app.reporting.sources import all_sources
from modules.reports import saved
from modules.reports.views import bp
from modules.reports.views.standard import visible


@bp.get("/")
@permission_required("reports.view")
def index():
    reports = db.session.scalars(saved.visible(current_user).limit(500)).all()
    sources = all_sources()
    mine = [r for r in reports if r.owner_id == current_user.id]
    shared = [r for r in reports if r.owner_id != current_user.id and current_user.role_id in r.role_ids]
    # reports.admin sees every report; those not shared with them are listed apart.
    others = [r for r in reports if r.owner_id != current_user.id and current_user.role_id not in r.role_ids]
    families = [(family, [c.report for c in items])
                for family, items in groupby(visible(), key=lambda c: c.report.family)]
    return render_template("reports/index.html", mine=mine, shared=shared, others=others, families=families,
                           source_labels={name: s.label for name, s in sources.items()},
                           may_build=can("reports.build"))
