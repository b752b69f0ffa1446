"""/reports/: the list of reports a user may open."""

from flask import render_template

from app.permissions import permission_required
from modules.reports.views import bp


@bp.get("/")
@permission_required("reports.view")
def index():
    return render_template("reports/index.html")
