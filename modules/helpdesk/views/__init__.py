"""The helpdesk blueprint, mounted at /helpdesk/: queues (queues.py), a
ticket and its conversation (ticket.py), teams (teams.py)."""

from flask import Blueprint

bp = Blueprint("helpdesk", __name__, template_folder="../templates")

# The knowledge base's staff pages (/helpdesk/kb/) and the satisfaction statistics.
from modules.helpdesk.kb import views as _kb_views  # noqa: E402,F401
from modules.helpdesk.surveys import views as _survey_views  # noqa: E402,F401
from modules.helpdesk.views import (  # noqa: E402,F401
    canned_replies,
    queues,
    settings_admin,
    teams,
    ticket,
    ticket_extras,
)
