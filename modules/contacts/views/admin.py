"""Contacts settings: the landing page and what its sections share.

Every change in these pages is audited and works without JavaScript: real
forms, a 303 after each change, a GET confirmation page before anything is
deleted (and `hx-confirm` when htmx is on)."""

from __future__ import annotations

from flask import render_template

from app.htmx import confirm_page
from app.permissions import permission_required
from modules.contacts.people import records
from modules.contacts.views import bp
from modules.contacts.views.admin_forms import FIELD_TYPES, KIND_NAMES, TAG_COLOURS

ADMIN = "contacts.admin"


def render(template: str, status: int = 200, **context):
    return render_template(template, field_types=FIELD_TYPES, kind_names=KIND_NAMES,
                           tag_colours=TAG_COLOURS, kind_labels=records.KIND_LABELS, **context), status


def confirm(title: str, question: str, button: str, cancel: str, hidden: dict | None = None, status: int = 200):
    return confirm_page(title, question, button, cancel, hidden=hidden, status=status)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# --- The landing page ---------------------------------------------------------

@bp.route("/admin")
@permission_required(ADMIN)
def admin_index():
    return render("contacts/admin_index.html")
