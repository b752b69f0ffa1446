"""/reports/: the list of reports a user may open."""

from itertools import groupby

from flask import render_template

from app.permissions import permission_required
from modules.reports.views import bp
from modules.reports.views.standard import visible


@bp.get("/")
@permission_required("reports.view")
def index():
    families = [(family, [c.report for c in items])
                for family, items in groupby(visible(), key=lambda c: c.report.family)]
    return render_template("reports/index.html", families=families)
