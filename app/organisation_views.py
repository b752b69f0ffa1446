"""The organisation's logo at a public address, for email (see
`app.organisation.logo_url`): the current logo, cached by browsers and mail
proxies for a day under an address that changes with the image."""

from __future__ import annotations

from flask import Blueprint, abort, send_file

from app import organisation
from app.permissions import public

bp = Blueprint("organisation_logo", __name__)


@bp.get("/org/logo.png")
@public
def logo():
    path = organisation.logo_path()
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=86400, conditional=True, etag=True)
