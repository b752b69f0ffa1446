"""Global search: each enabled module contributes a provider."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from app.htmx import page_or_fragment
from app.permissions import can, permission_required

bp = Blueprint("search", __name__)
PER_PROVIDER = 8


@bp.route("/search")
@permission_required("core.search")
def index():
    query = request.args.get("q", "").strip()[:200]
    groups = []
    if query:
        for provider in current_app.extensions["steward"].search:
            if can(provider.permission):
                groups.append((provider.title, provider.search(query, PER_PROVIDER)))
    return page_or_fragment("search/index.html", "search/_results.html", query=query, groups=groups)
