"""The `steward-hello` distribution (tests/plugin/) is a module from outside
this repository: installed beside the venv by `make test`, found only through
its `steward.modules` entry point. These tests prove such a module is
discovered, mounted, migrated, permission-checked and shown like a built-in one."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.extensions import db
from app.jobs import enqueue, run
from app.models import AuditEntry, Job, Role, RolePermission
from app.registry import ENTRY_POINT_GROUP, discover
from config import BASE_DIR
from tests.conftest import csrf_from, login, make_user, post_form

INSTALL_HINT = (
    "the steward-hello test plugin is not installed: run `make test`, or "
    "`.venv/bin/pip install -q --no-deps --upgrade --target build/test-plugins tests/plugin` "
    "and run pytest with PYTHONPATH=build/test-plugins"
)
NAV_RE = re.compile(r'<nav class="mainnav".*?</nav>', re.S)


@pytest.fixture(autouse=True)
def hello_enabled(app):
    state = app.extensions["steward"]
    if "hello" not in state.installed:
        pytest.fail(INSTALL_HINT)
    if state.module("hello") is None:
        pytest.fail("the session app does not enable hello; is STEWARD_MODULES set in the environment?")


def add_greetings(app, *texts):
    from steward_hello.models import Greeting

    with app.app_context():
        db.session.add_all(Greeting(text=t) for t in texts)
        db.session.commit()


def signed_in(app, email, role_key=None, role=None):
    make_user(app, email=email, role_key=role_key, role=role, name=email.split("@")[0].title())
    client = app.test_client()
    login(client, email)
    return client


def role_without_hello(app) -> Role:
    """A custom role that may see the dashboard but nothing of Hello."""
    with app.app_context():
        role = Role(name="Front desk", description="Dashboard only")
        role.grants.append(RolePermission(permission="core.dashboard"))
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
        return role


def nav_of(html: str) -> str:
    match = NAV_RE.search(html)
    assert match, "no main navigation on the page"
    return match.group(0)


def test_found_through_its_own_distribution_entry_point():
    import steward_hello

    (ep,) = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == "hello"]
    assert ep.value == "steward_hello:module"
    assert ep.dist.name == "steward-hello"
    module = discover()["hello"]
    assert (module.title, module.version, module.distribution) == ("Hello", "0.3.0", "steward-hello")
    # It really lives outside this repository's modules/ package.
    assert not Path(steward_hello.__file__).resolve().is_relative_to(BASE_DIR / "modules")
    assert Path(module.migrations, "hello_0001_greetings.py").is_file()


def test_mounted_at_its_name_and_lists_greetings(app, admin_client):
    add_greetings(app, "Welcome, volunteers!", "Good morning <team>")
    response = admin_client.get("/hello/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Hello</h1>" in html  # the module's `greeting` setting default
    assert "Welcome, volunteers!" in html
    assert "Good morning &lt;team&gt;" in html  # autoescaped
    assert 'action="/hello/new"' in html


def test_adding_a_greeting_redirects_and_is_audited(app, admin_client):
    from steward_hello.models import Greeting

    response = post_form(admin_client, "/hello/new", {"text": "  Hi there  "}, page="/hello/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/hello/"
    page = admin_client.get("/hello/").get_data(as_text=True)
    assert "Greeting added." in page and "Hi there" in page
    with app.app_context():
        greeting = db.session.scalar(db.select(Greeting))
        assert greeting.text == "Hi there"
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "hello_greeting"))
        assert (entry.action, entry.object_id) == ("create", str(greeting.id))
        assert entry.actor == "admin@example.org"


def test_an_empty_greeting_shows_the_error_next_to_the_field(app, admin_client):
    from steward_hello.models import Greeting

    response = post_form(admin_client, "/hello/new", {"text": "   "}, page="/hello/")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="text-error">Write a greeting.</p>' in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Greeting.id))) == 0


def test_with_htmx_the_redirect_carries_a_trigger(admin_client):
    token = csrf_from(admin_client, "/hello/")
    response = admin_client.post("/hello/new", data={"text": "Hi"},
                                 headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 303
    assert response.headers["HX-Trigger"] == "greetings-changed"


def test_role_defaults_follow_the_permission_suffix(app):
    grants = app.extensions["steward"].builtin_grants
    assert {"hello.view", "hello.edit"} <= grants["manager"]
    assert {"hello.view", "hello.edit"} <= grants["staff"]
    assert "hello.view" in grants["volunteer"] and "hello.edit" not in grants["volunteer"]
    assert app.extensions["steward"].permissions["hello.edit"] == ("Add greetings", "Hello")


def test_a_volunteer_may_read_but_not_add(app):
    client = signed_in(app, "vera@example.org", "volunteer")
    page = client.get("/hello/").get_data(as_text=True)
    assert 'action="/hello/new"' not in page
    token = csrf_from(client, "/hello/")
    assert client.post("/hello/new", data={"text": "Hi", "csrf_token": token}).status_code == 403
    with app.app_context():
        denied = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "denied"))
        assert denied.object_id == "hello.new" and "hello.edit" in denied.summary


def test_nav_entry_and_widget_for_users_with_hello_view(app):
    add_greetings(app, "Welcome, volunteers!")
    html = signed_in(app, "sam@example.org", "staff").get("/").get_data(as_text=True)
    assert '<a href="/hello/">Hello</a>' in nav_of(html)
    assert 'id="widget-hello-greetings"' in html
    assert "Welcome, volunteers!" in html


def test_no_nav_entry_or_widget_without_hello_view(app):
    add_greetings(app, "Welcome, volunteers!")
    client = signed_in(app, "fred@example.org", role=role_without_hello(app))
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/hello/" not in nav_of(html)
    assert "widget-hello-greetings" not in html and "Welcome, volunteers!" not in html
    assert client.get("/hello/").status_code == 403


def test_its_migration_created_its_table(app):
    with app.app_context():
        inspector = inspect(db.engine)
        assert "hello_greeting" in inspector.get_table_names()
        assert {c["name"] for c in inspector.get_columns("hello_greeting")} == {"id", "text", "created_at"}
        versions = set(db.session.scalars(db.text("SELECT version_num FROM alembic_version")))
        assert "hello_0001" in versions


def test_flask_modules_list_shows_it_enabled_with_its_version(app):
    result = app.test_cli_runner().invoke(args=["modules", "list"])
    assert result.exit_code == 0, result.output
    (row,) = [line.split() for line in result.output.splitlines() if line.startswith("hello ")]
    assert row == ["hello", "enabled", "0.3.0", "-", "Hello"]


def test_its_job_handler_runs_with_progress(app):
    add_greetings(app, "Hi", "Hello there", "Hey")
    with app.app_context():
        job = enqueue("hello.count_greetings", "Count greetings")
        db.session.commit()
        job_id = job.id
        assert run(job_id) == Job.FINISHED
        db.session.remove()
        job = db.session.get(Job, job_id)
        assert job.result == {"greetings": 3, "longest": len("Hello there")}
        assert (job.done, job.total, job.percent) == (3, 3, 100)
        assert job.message == "Counting greetings"
