"""The REST API: flask-smorest on the app, under /api/v1.

- `init_app` builds the Api (app/api/spec.py), mounts the core's resources
  and every enabled module's (`Module.api`, a list of flask-smorest
  Blueprints), the OpenAPI document and the docs (app/api/docs.py).
- Requests under /api/ are authenticated by personal access token only
  (app/api/auth.py), limited per token (limits.py), and answer errors as
  problem details (problems.py). Views declare permissions as pages do;
  the default-deny hook (app/hooks.py) applies to them unchanged.
- Writes go through `writes.write` (one commit, Idempotency-Key) and check
  `If-Match` with `writes.check_if_match`; lists use lists.py.

See docs/api.md for clients, docs/modules.md "API resources" for modules.
"""

from __future__ import annotations

from flask import Flask

BASE = "/api/v1"


def init_app(app: Flask, state) -> None:
    from app.api import auth, docs, jobs, limits, me, problems, tokens_views
    from app.api.ids import RowIdConverter
    from app.api.ids import schema as id_schema
    from app.api.spec import StewardApi, marshmallow_plugin
    from app.extensions import csrf
    from app.permissions import PUBLIC, SIGNED_IN, view_permission

    app.config.setdefault("API_TITLE", "Steward API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_RATE_LIMIT", "600/minute")  # config.py reads it from the environment
    api = StewardApi(spec_kwargs={
        "marshmallow_plugin": marshmallow_plugin(),
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "info": {"description": "Steward's REST API. Authenticate with a personal access token "
                                "(Your account → API tokens): `Authorization: Bearer stw_...`. "
                                "Errors are RFC 9457 problem details. See docs/api.md."},
    })
    api.init_app(app)
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer",
                                                  "description": "A personal access token (stw_...)."})
    app.url_map.converters["id"] = RowIdConverter  # `<id:contact_id>` in API rules (app/api/ids.py)
    api.register_converter(RowIdConverter, id_schema)
    state.api = api

    blueprints = [me.blp, jobs.blp]
    for module in state.enabled[1:]:
        blueprints.extend(module.load_api())
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=BASE)
        csrf.exempt(blueprint)
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens_views.bp)

    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(BASE + "/"):
            perm = view_permission(app.view_functions[rule.endpoint])
            if perm not in (None, PUBLIC, SIGNED_IN):
                state.api_permissions.add(perm)

    app.before_request(auth.authenticate)
    app.before_request(auth.refuse_unstorable_text)

    @app.after_request
    def _api_headers(response):
        if problems.wants_problem():
            limits.add_headers(response)
        return response

    from app.api.cli import group

    app.cli.add_command(group)
