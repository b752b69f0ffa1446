"""Wires the extensions, the core and the enabled modules into an app."""

from __future__ import annotations

from flask import Flask

from app import ConfigError
from app.extensions import csrf, db, login_manager, mail
from app.registry import discover, resolve
from app.state import StewardState


def boot(app: Flask) -> None:
    from app import database, models  # noqa: F401  (registers the core's tables)
    from app.core_module import core

    database.configure_engine(app)
    db.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)

    installed = discover()
    if "core" in installed:
        raise ConfigError("steward: a module may not be called 'core'")
    from app import module_choice

    state = StewardState(installed=installed, enabled=[core, *resolve(installed, module_choice.wanted(app, installed))])
    app.extensions["steward"] = state
    _connect_redis(app, state)

    for module in state.enabled:
        module.import_models()
    state.collect()
    from app import webhooks

    webhooks.listen(state)  # the enabled modules' webhook events, from their signals

    from app import hooks, ids, limiter, views

    ids.register(app)  # before any rule: every <int:...> is an IdConverter
    limiter.init_app(app, state)
    views.register_core(app)
    for module in state.enabled[1:]:
        blueprint = module.load_blueprint()
        if blueprint is not None:
            app.register_blueprint(blueprint, url_prefix=f"/{module.name}")
        for prefix, mounted in module.load_mounts():
            app.register_blueprint(mounted, url_prefix=prefix)
        group = module.load_cli()
        if group is not None:
            app.cli.add_command(group, module.name)
    from app import api

    api.init_app(app, state)  # before hooks: its token check runs before the default-deny check
    hooks.register(app)

    from app.cli import register_cli

    register_cli(app)


def _connect_redis(app: Flask, state: StewardState) -> None:
    from app.redis_conn import connect

    state.redis, state.redis_url = connect(app.config["REDIS_URL"], app.instance_path)
