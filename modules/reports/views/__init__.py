"""The reports blueprint, mounted at /reports/."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="../templates")

from modules.reports.views import builder, dashboard, exports, index, saved, schedules, standard  # noqa: E402,F401,I001
