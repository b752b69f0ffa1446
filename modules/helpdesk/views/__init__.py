"""The helpdesk blueprint, mounted at /helpdesk/: queues (queues.py), a
ticket and its conversation (ticket.py), teams (teams.py)."""

from flask import Blueprint

bp = Blueprint("helpdesk", __name__, template_folder="../templates")

from modules.helpdesk.views import queues, teams, ticket  # noqa: E402,F401
