"""STEWARD_MODULES: which installed modules are enabled, in what order, and
what a disabled module leaves behind (its tables and rows, nothing else)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.jobs import enqueue, run
from app.models import Job, Role
from app.permissions import declared_permissions, role_permissions
from app.registry import Module, ModuleError, discover, resolve
from config import load_config
from tests.conftest import app_config, login, make_user

NAV_RE = re.compile(r'<nav class="mainnav".*?</nav>', re.S)


def fake(name, *requires) -> Module:
    return Module(name=name, title=name.title(), requires=tuple(requires))


INSTALLED = {m.name: m for m in (
    fake("contacts"),
    fake("pipeline", "contacts"),
    fake("marketing", "contacts"),
    fake("reports", "pipeline", "marketing"),
    fake("helpdesk", "contacts"),
)}


# --- resolve(): fake manifests, since only one real plugin exists ---------------

def test_none_enables_every_installed_module_in_dependency_order():
    order = [m.name for m in resolve(INSTALLED, None)]
    assert sorted(order) == sorted(INSTALLED)
    for module in INSTALLED.values():
        for dep in module.requires:
            assert order.index(dep) < order.index(module.name), order


def test_dependencies_come_first_whatever_order_they_are_listed_in():
    order = [m.name for m in resolve(INSTALLED, ["reports", "marketing", "pipeline", "contacts"])]
    assert order[0] == "contacts" and order[-1] == "reports"
    assert set(order) == {"contacts", "pipeline", "marketing", "reports"}


def test_an_empty_list_enables_nothing_and_duplicates_are_ignored():
    assert resolve(INSTALLED, []) == []
    assert [m.name for m in resolve(INSTALLED, ["contacts", "contacts"])] == ["contacts"]


def test_an_unknown_name_is_refused_with_what_is_installed():
    with pytest.raises(ModuleError) as error:
        resolve(INSTALLED, ["contacts", "contcts"])
    assert str(error.value) == (
        "steward: STEWARD_MODULES names unknown module(s): contcts "
        "(installed: contacts, helpdesk, marketing, pipeline, reports)"
    )


def test_a_missing_requirement_names_both_modules():
    with pytest.raises(ModuleError) as error:
        resolve(INSTALLED, ["pipeline"])
    assert str(error.value) == (
        "steward: module 'pipeline' requires 'contacts', which is not enabled; "
        "add it to STEWARD_MODULES"
    )
    with pytest.raises(ModuleError, match=r"module 'reports' requires 'pipeline', 'marketing'"):
        resolve(INSTALLED, ["contacts", "reports"])


def test_a_cycle_is_refused():
    cyclic = {"a": fake("a", "b"), "b": fake("b", "a")}
    with pytest.raises(ModuleError, match="cycle"):
        resolve(cyclic, ["a", "b"])


def test_module_error_stops_start_up_without_a_traceback():
    assert issubclass(ModuleError, SystemExit)


# --- the environment variable ---------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (None, None),              # unset: every installed module
    ("", None),                # empty counts as unset
    (" hello , contacts,", ["hello", "contacts"]),
])
def test_steward_modules_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("STEWARD_MODULES", raising=False)
    else:
        monkeypatch.setenv("STEWARD_MODULES", value)
    assert load_config()["STEWARD_MODULES"] == expected


# --- create_app with a real module set -------------------------------------------

def test_create_app_stops_on_an_unknown_module(tmp_path):
    with pytest.raises(ModuleError) as error:
        create_app(app_config(tmp_path, STEWARD_MODULES=["nosuchmodule"]))
    installed = ", ".join(sorted(discover())) or "none"
    assert str(error.value) == (
        f"steward: STEWARD_MODULES names unknown module(s): nosuchmodule (installed: {installed})"
    )


@pytest.fixture
def disabled_app(app, tmp_path):
    """The session database (hello migrated, rows present) served by an app
    with no modules enabled, as after removing hello from STEWARD_MODULES."""
    if "hello" not in app.extensions["steward"].installed:
        pytest.fail("the steward-hello test plugin is not installed: run `make test`")
    other = create_app(app_config(
        tmp_path, STEWARD_MODULES=[],
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.extensions["steward"].redis_url,
    ))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_disabled_module_contributes_nothing(disabled_app):
    state = disabled_app.extensions["steward"]
    assert [m.name for m in state.enabled] == ["core"]
    assert "hello" in state.installed  # installed, just not enabled
    assert not any(r.rule.startswith("/hello") for r in disabled_app.url_map.iter_rules())
    assert not [item for item in state.nav if item.endpoint.startswith("hello.")]
    assert not [w for w in state.widgets if w.name.startswith("hello")]
    assert "hello.count_greetings" not in state.jobs
    with disabled_app.app_context():
        declared = declared_permissions(disabled_app)
        assert "core.dashboard" in declared
        assert not [p for p in declared if p.startswith("hello.")]
        staff = db.session.scalar(db.select(Role).where(Role.key == "staff"))
        assert "hello.view" not in role_permissions(staff, disabled_app)
    cli = disabled_app.test_cli_runner().invoke(args=["modules", "list"])
    assert [line.split()[:3] for line in cli.output.splitlines() if line.startswith("hello ")] == [
        ["hello", "disabled", "0.3.0"]]


def test_a_disabled_module_has_no_pages_nav_or_widget(disabled_app):
    make_user(disabled_app, "sam@example.org", "staff", name="Sam Staff")
    client = disabled_app.test_client()
    login(client, "sam@example.org")
    assert client.get("/hello/").status_code == 404
    assert client.post("/hello/new").status_code in (400, 404)
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/hello/" not in NAV_RE.search(html).group(0)
    assert "widget-hello" not in html


def test_a_queued_job_of_a_disabled_module_fails_with_a_reason(app, disabled_app):
    with app.app_context():  # queued while hello was enabled
        job_id = enqueue("hello.count_greetings", "Count greetings").id
        db.session.commit()
    with disabled_app.app_context():
        with pytest.raises(LookupError, match="no enabled module handles jobs of kind 'hello.count_greetings'"):
            enqueue("hello.count_greetings", "Count greetings")
        db.session.rollback()
        assert run(job_id) == Job.FAILED
        db.session.remove()
        job = db.session.get(Job, job_id)
        assert job.status == Job.FAILED
        assert job.error == "No enabled module handles 'hello.count_greetings'; is it disabled?"


def test_disabling_a_module_keeps_its_table_and_rows(app, disabled_app):
    from steward_hello.models import Greeting

    with app.app_context():
        db.session.add(Greeting(text="Still here"))
        db.session.commit()
    with disabled_app.app_context():
        from app.migrations_config import upgrade_enabled

        # Upgrading with hello disabled resolves its revision in alembic_version
        # (every installed module's directory is on the path) and drops nothing.
        assert upgrade_enabled() == ["core"]
        assert "hello_greeting" in inspect(db.engine).get_table_names()
        assert db.session.scalars(db.text("SELECT text FROM hello_greeting")).all() == ["Still here"]
        assert "hello_0001" in db.session.scalars(db.text("SELECT version_num FROM alembic_version")).all()
