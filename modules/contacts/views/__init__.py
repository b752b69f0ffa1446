"""The contacts blueprint, mounted at /contacts/. Each file holds one area."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, template_folder="../templates")

from modules.contacts.views import admin, contact, duplicates, exports, imports, listing, privacy, tasks, timeline  # noqa: E402,F401
