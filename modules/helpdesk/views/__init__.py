"""The helpdesk blueprint, mounted at /helpdesk/: queues (queues.py), a
ticket and its conversation (ticket.py), teams (teams.py)."""

from flask import Blueprint

bp = Blueprint("helpdesk", __name__, template_folder="../templates")

from modules.helpdesk.views import (  # noqa: E402,F401
    canned_replies,
    queues,
    settings_admin,
    teams,
    ticket,
    ticket_extras,
)
