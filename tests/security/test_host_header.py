"""Finding 4 of issue 14: password-reset and invitation links built from the Host header.

With BASE_URL unset, a forgot-password request sent with `Host: evil.example`
put http://evil.example/password/reset/<token> into the victim's email: one
click and the attacker holds a working reset token. Links in mail now come
from BASE_URL alone (app/links.py), production refuses to start without it,
and a request for a host name the site does not answer to gets 400."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app import ConfigError, create_app, users
from app.extensions import db
from app.models import MailMessage
from tests.conftest import app_config, csrf_from, login, logout

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://crm.example.org"


@pytest.fixture
def site(app, tmp_path):
    """An app on the session's database, configured as an operator would."""
    made = []

    def make(**config):
        config.setdefault("BASE_URL", None)
        made.append(create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                                          **config)))
        return made[-1]

    yield make
    for site_app in made:  # its connections, so PostgreSQL's next test finds none left open
        with site_app.app_context():
            db.engine.dispose()


def _outbox(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(MailMessage.text_body).order_by(MailMessage.id)))


def _forgot(site_app, email: str, host: str):
    """The attack: the reset form fetched and sent under `host`, as curl would."""
    client = site_app.test_client()
    page = client.get("/password/forgot", base_url=f"http://{host}")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    response = client.post("/password/forgot", base_url=f"http://{host}",
                           data={"email": email, "csrf_token": token.group(1) if token else ""})
    return page, response


@pytest.mark.parametrize("base_url", [None, SITE], ids=["BASE_URL unset", "BASE_URL set"])
def test_a_reset_requested_for_a_forged_host_is_refused(app, site, admin, base_url):
    site_app = site(BASE_URL=base_url)
    page, response = _forgot(site_app, admin.email, "evil.example")
    assert page.status_code == response.status_code == 400
    assert _outbox(app) == []


@pytest.mark.parametrize("base_url, expected", [(None, "http://127.0.0.1:5000"), (SITE, SITE)],
                         ids=["BASE_URL unset", "BASE_URL set"])
def test_the_reset_link_carries_base_url_whatever_host_the_request_used(app, site, admin, base_url, expected):
    site_app = site(BASE_URL=base_url, HOST="127.0.0.1", PORT=5000)
    page, response = _forgot(site_app, admin.email, "localhost")  # trusted, but not BASE_URL's host
    assert page.status_code == 200 and response.status_code == 303
    [body] = _outbox(app)
    links = re.findall(r"\S+/password/reset/\S+", body)
    assert len(links) == 1 and links[0].startswith(f"{expected}/password/reset/"), body


def test_a_forwarded_host_behind_the_proxy_is_checked_too(app, site, admin):
    """nginx passes a client's X-Forwarded-Host through; with PROXY_HOPS=1 it becomes the host."""
    site_app = site(BASE_URL=SITE, PROXY_HOPS=1)
    client = site_app.test_client()
    forged = client.get("/password/forgot", headers={"X-Forwarded-Host": "evil.example"})
    honest = client.get("/password/forgot", headers={"X-Forwarded-Host": "crm.example.org"})
    assert forged.status_code == 400 and honest.status_code == 200


def test_an_invitation_link_carries_base_url(app, site, admin):
    site_app = site(BASE_URL=SITE)
    client = site_app.test_client()
    login(client, admin.email)  # on http://localhost, not BASE_URL's host
    with site_app.app_context():
        staff_id = users.role_by_key("staff").id
    response = client.post("/admin/users/invite", data={"email": "new@example.org", "role": str(staff_id),
                                                         "csrf_token": csrf_from(client, "/admin/users")})
    assert response.status_code == 303
    [body] = _outbox(app)
    link = re.search(r"\S+/invitation/\S+", body).group(0)
    assert link.startswith(f"{SITE}/invitation/")
    logout(client)
    accept = client.get(link.removeprefix(SITE))
    assert accept.status_code == 200 and "new@example.org" in accept.get_data(as_text=True)


def test_links_built_outside_a_request_carry_base_url(site):
    """A job or a CLI command has no request to take a host from; BASE_URL may
    carry a path when Steward is served under one."""
    from app.links import external_url  # app/links.py is the fix: imported here so the other tests run on main

    site_app = site(BASE_URL=f"{SITE}/crm/")
    with site_app.app_context():
        assert external_url("auth.reset_password", token="t0ken") == f"{SITE}/crm/password/reset/t0ken"


def test_production_refuses_to_start_without_base_url(tmp_path):
    with pytest.raises(ConfigError) as error:
        create_app(app_config(tmp_path, SECRET_KEY="s" * 50, STEWARD_ENV="production", BASE_URL=None))
    assert str(error.value) == ("steward: refusing to start in production without BASE_URL; set it to the "
                                "address people open Steward at, e.g. https://crm.example.org")


def test_a_base_url_that_is_not_an_address_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"BASE_URL must be the address people open Steward at, like https://"):
        create_app(app_config(tmp_path, BASE_URL="crm.example.org"))


def test_production_answers_base_url_the_machine_itself_and_trusted_hosts_only(app, site):
    production = site(BASE_URL=SITE, SECRET_KEY="s" * 50, STEWARD_ENV="production",
                      TRUSTED_HOSTS=["10.0.0.5", ".example.net"])
    client = production.test_client()
    answers = {host: client.get("/healthz", base_url=f"http://{host}").status_code
               for host in ("crm.example.org", "127.0.0.1:8000", "localhost", "10.0.0.5", "eu.example.net",
                            "evil.example", "crm.example.org.evil.example", "10.0.0.6")}
    assert answers == {"crm.example.org": 200, "127.0.0.1:8000": 200, "localhost": 200, "10.0.0.5": 200,
                       "eu.example.net": 200, "evil.example": 400, "crm.example.org.evil.example": 400,
                       "10.0.0.6": 400}


REQUEST_HOST_PARTS = ("_external", "host_url", "url_root", "root_url")


def _request_host_uses(path: Path) -> list[str]:
    """`url_for(..., _external=True)` and `request.host_url`/`url_root`/`root_url` in a Python file."""
    tree = ast.parse(path.read_text(), str(path))
    return [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and any(k.arg == "_external" for k in node.keywords)
            or isinstance(node, ast.Attribute) and node.attr in REQUEST_HOST_PARTS]


def test_no_code_builds_an_absolute_link_from_the_request():
    """These take the host from the request, which the client chose: links that
    leave the site go through app.links.external_url instead (docs/modules.md)."""
    sources = [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("modules").rglob("*.py"),
               *ROOT.joinpath("tests", "plugin", "steward_hello").rglob("*.py")]
    templates = [*ROOT.joinpath("templates").rglob("*.*"), *ROOT.joinpath("modules").rglob("templates/**/*.*"),
                 *ROOT.joinpath("tests", "plugin", "steward_hello").rglob("templates/**/*.*")]
    found = [hit for path in sources for hit in _request_host_uses(path)]
    found += [str(path.relative_to(ROOT)) for path in templates
              if any(part in path.read_text() for part in REQUEST_HOST_PARTS)]
    assert found == []
