"""The OpenAPI document and the browsable docs (Swagger UI from the
swagger-ui-bundle package, served from here: nothing from a CDN, and an
init script file of our own so the page passes the CSP)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory

from app.api.spec import for_swagger_ui
from app.permissions import public

bp = Blueprint("api_docs", __name__)

# The files the docs page loads; nothing else of the package is served.
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png"}


def document() -> dict:
    """The OpenAPI 3.1 document, with the resources' tags named for people
    ("contacts" rather than the blueprint's "api_contacts")."""
    doc = current_app.extensions["steward"].api.spec.to_dict()

    def tag(name: str) -> str:
        return name.removeprefix("api_").replace("_", " ")

    doc["tags"] = [{**t, "name": tag(t["name"])} for t in doc.get("tags", [])]
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "tags" in operation:
                operation["tags"] = [tag(t) for t in operation["tags"]]
    return doc


@bp.get("/api/v1/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3.1 document, generated from the code that serves the API."""
    return jsonify(document())


@bp.get("/api/docs/openapi-3.0.json")
@public
def openapi_for_docs():
    """The same document in the 3.0 dialect the vendored Swagger UI reads."""
    return jsonify(for_swagger_ui(document()))


@bp.get("/api/docs")
@public
def docs():
    return render_template("api/docs.html")


@bp.get("/api/docs/assets/<name>")
@public
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    from swagger_ui_bundle import swagger_ui_path

    response = send_from_directory(Path(swagger_ui_path), name, max_age=86400)
    return response
