"""One stylesheet for every page: the core's CSS and the enabled modules'
`styles`, joined in order and served under an address that names their
digest, so browsers keep it for a year and fetch it again only when a file
changes. Each module used to add a <link> of its own: a first visit made
eleven requests before it could paint, and every later full load asked
again whether each had changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for

from app.permissions import public

CORE_STYLES = ("css/steward.css", "css/template-editor.css")
YEAR = 365 * 86400

bp = Blueprint("assets", __name__)


class StyleBundle:
    """The joined stylesheet, built again whenever one of its files changes
    (a stat per file per page, so an edit shows on the next reload)."""

    def __init__(self, static_folder: str, names: list[str]):
        self.paths = [Path(static_folder) / name for name in names]
        self._stamp: tuple = ()
        self.body = b""
        self.digest = ""

    def current(self) -> StyleBundle:
        stamp = tuple(path.stat().st_mtime_ns for path in self.paths)
        if stamp != self._stamp:
            parts = [f"/* {path.name} */\n".encode() + path.read_bytes() for path in self.paths]
            self.body = b"\n".join(parts)
            self.digest = hashlib.sha256(self.body).hexdigest()[:16]
            self._stamp = stamp
        return self


def bundle() -> StyleBundle:
    state = current_app.extensions["steward"]
    if state.style_bundle is None:
        state.style_bundle = StyleBundle(current_app.static_folder, [*CORE_STYLES, *state.styles])
    return state.style_bundle.current()


def stylesheet_url() -> str:
    return url_for("assets.stylesheet", digest=bundle().digest)


@bp.get("/assets/steward-<digest>.css")
@public
def stylesheet(digest: str):
    current = bundle()
    response = Response(current.body, mimetype="text/css")
    # An old page's address gets today's styles, kept no longer than this visit.
    fresh = digest == current.digest
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if fresh else "no-cache"
    return response
