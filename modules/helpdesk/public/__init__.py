"""The public help centre at /help/ (the helpdesk's second blueprint,
mounted through the manifest's `mounts`): the knowledge base's public
articles (kb_pages.py), the customer portal with its one-time sign-in links
(portal_pages.py), the new-request form with article suggestions
(request_form.py) and the satisfaction survey (survey_pages.py).

Its pages use their own minimal layout (help/layout.html): the
organisation's name, a search box, no staff menus. Every view is public;
the portal's views check the portal's own session (portal/sessions.py)."""

from flask import Blueprint

bp = Blueprint("help", __name__, template_folder="../templates")

from modules.helpdesk.public import kb_pages, portal_pages, request_form, survey_pages  # noqa: E402,F401
