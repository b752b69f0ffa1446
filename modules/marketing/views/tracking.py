"""The public ends of tracking: a tracked link's redirect and the open
pixel. No sign-in and no cookies; a forged or altered token is a 404."""

from __future__ import annotations

from flask import Response, abort, redirect, request

from app.permissions import public
from modules.marketing.tracking import record, tokens
from modules.marketing.views import bp

# A transparent 1×1 GIF.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


@bp.get("/r/<token>")
@public
def click(token: str):
    found = tokens.read_click(token)
    if found is None:
        abort(404)
    url = record.click(*found)
    if url is None:
        abort(404)
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/o/<token>")
@public
def open_pixel(token: str):
    found = tokens.read_open(token)
    if found is None:
        abort(404)
    record.open_(*found, request.headers.get("User-Agent"), request.remote_addr)
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store, max-age=0"})
