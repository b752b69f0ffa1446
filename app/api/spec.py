"""flask-smorest's Api with Steward's conventions: errors documented as
problem details, a bearer token security scheme, OpenAPI 3.1."""

from __future__ import annotations

import copy
import http

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from app.api.problems import MEDIA_TYPE


class FieldProblem(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    field = ma.fields.String(metadata={"description": "The field, as `emails[0].email`."})
    pointer = ma.fields.String(metadata={"description": "A JSON Pointer into the body, or the parameter name."})
    detail = ma.fields.String()
    in_ = ma.fields.String(data_key="in", metadata={"description": "body, query, header or path"})


class Problem(ma.Schema):
    """RFC 9457 problem details; a problem may carry more members (`duplicates`)."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldProblem))


def schema_name(schema) -> str:
    """A schema's name in the document; a partial one (PATCH bodies) is `<Name>Update`."""
    name = resolve_schema_cls(schema).__name__
    if isinstance(schema, ma.Schema) and schema.partial:
        name += "Update"
    return name


def marshmallow_plugin() -> MarshmallowPlugin:
    return MarshmallowPlugin(schema_name_resolver=schema_name)


class StewardApi(Api):
    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        """None: the core's handlers (app/hooks.py) answer problems under
        /api/ and pages elsewhere; flask-smorest's would take over both."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def for_swagger_ui(document: dict) -> dict:
    """The 3.1 document in the 3.0 dialect the vendored Swagger UI (4.x)
    reads: `type: [T, "null"]` becomes `type: T, nullable: true`."""
    out = copy.deepcopy(document)

    def walk(node):
        if isinstance(node, dict):
            kind = node.get("type")
            if isinstance(kind, list):
                rest = [k for k in kind if k != "null"]
                node["type"] = rest[0] if len(rest) == 1 else rest
                if "null" in kind:
                    node["nullable"] = True
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    out["openapi"] = "3.0.3"
    return out
