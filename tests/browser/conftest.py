"""Browser tests: Playwright (sync API) driving Debian's Chromium against the
session `app`, served by a real threaded WSGI server in a background thread so
the browser and the test share one database and one Redis.

Never downloads a browser: without /usr/bin/chromium every test here is skipped.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_user
from tests.smtp import SMTPServer

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = ("Chromium is not installed (/usr/bin/chromium); "
               "`make test` installs it when run as root on Debian")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_JS = HERE / "vendor" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    """Without Chromium, skip (with a reason that says so) rather than fail."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_url(app):
    """The session app on http://127.0.0.1:<free port>; shut down at session end."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                  args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Console:
    """What the browser said: console messages and uncaught page errors."""

    def __init__(self):
        self.messages: list[str] = []

    def watch(self, page) -> None:
        page.on("console", lambda msg: self.messages.append(f"{page.url}: console.{msg.type}: {msg.text}"))
        page.on("pageerror", lambda err: self.messages.append(f"{page.url}: pageerror: {err}"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


@pytest.fixture
def console():
    return Console()


@pytest.fixture
def new_page(app, browser, live_url, console):
    """`new_page(js=True, viewport=DESKTOP)`: a page in a fresh context (own
    cookies) with base_url set; every page's console is watched."""
    contexts = []

    def make(js: bool = True, viewport: dict | None = None, **options):
        context = browser.new_context(base_url=live_url, java_script_enabled=js,
                                      viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.steward_js = js
        console.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    violations = console.csp_violations()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(new_page):
    return new_page(js=True)


@pytest.fixture
def nojs_page(new_page):
    return new_page(js=False)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request, new_page):
    """The same flow with JavaScript on (HTMX) and off (plain HTML)."""
    return new_page(js=request.param)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG to test-artifacts/screenshots/<name>.png (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # caret="initial": hiding the caret would inject a <style>, which the CSP (rightly) blocks.
    page.screenshot(path=str(path), full_page=full_page, caret="initial")
    return path


@pytest.fixture
def shot():
    return screenshot


# --- Flows shared by several tests ------------------------------------------------


def js_enabled(page) -> bool:
    return getattr(page, "steward_js", True)


def settle(page) -> None:
    """Wait until the page (or HTMX's swap after a boosted request) is done.

    HTMX wires up swapped-in content (hx-trigger listeners) only in its settle
    step, 20 ms after the request ends, so typing into a field in between
    fires nothing: wait for the swapping, settling and added classes too."""
    page.wait_for_load_state("load")
    if js_enabled(page):
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def sign_in(page, email: str = "admin@example.org", password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
        page.get_by_role("button", name="Sign in").click()
    settle(page)


def sign_out(page) -> None:
    """Through the user menu (a <details>, so it opens without JavaScript too)."""
    if page.locator("details.usermenu[open]").count() == 0:
        page.locator("details.usermenu > summary").click()
    with page.expect_response(lambda r: r.request.method == "POST" and "/logout" in r.url):
        page.get_by_role("button", name="Sign out").click()
    settle(page)


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) the app delivers to for one test."""
    mail = app.extensions["mail"]
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    saved_ext = (mail.server, mail.port)
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        mail.server, mail.port = "127.0.0.1", server.port
        try:
            yield server
        finally:
            app.config.update(saved)
            mail.server, mail.port = saved_ext


def run_jobs(app) -> None:
    """Run every queued job through RQ, as `flask worker` would."""
    from rq import SimpleWorker

    from app.jobs import queue

    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in an email's plain-text body starting with `path_prefix`."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", body)
    assert match, f"no {path_prefix} link in the email:\n{body}"
    return match.group(1)


def run_axe(page) -> list[dict]:
    """Inject the vendored axe-core (page.evaluate is not subject to the CSP)
    and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html})),
        }));
    }""")


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} serious/critical accessibility violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"      at {node['target']}: {node['html'][:160]}")
            for detail in (node["summary"] or "").splitlines()[1:3]:
                lines.append(f"        {detail.strip()}")
    return "\n".join(lines)


def seed(app, live_url: str) -> dict:
    """A lived-in organisation, so lists and forms look like real use: an
    administrator (admin@example.org), colleagues, a custom role, an open
    invitation (its email waits in the outbox, delivery being off), jobs."""
    from datetime import timedelta

    from app import settings, users
    from app.extensions import db
    from app.models import Job, Role, RolePermission, User
    from app.models.base import utcnow

    admin = make_user(app)
    make_user(app, "sam.staff@example.org", "staff", "Sam Okafor")
    make_user(app, "val@example.org", "volunteer", "Valentina García-Rodríguez")
    with app.test_request_context(base_url=live_url):
        settings.put("core", {"org_name": "Riverside Food Bank"})
        role = Role(name="Volunteer coordinator", description="Schedules volunteers and sees their records.")
        role.grants = [RolePermission(permission="core.dashboard"), RolePermission(permission="core.search")]
        db.session.add(role)
        db.session.flush()
        by = db.session.get(User, admin.id)
        users.invite("new.colleague@example.org", "Noor Haddad", users.role_by_key("staff"), by=by)
        now = utcnow()
        db.session.add_all([
            Job(kind="core.deliver_mail", title="Deliver “Reset your Steward password”", status=Job.FINISHED,
                done=1, total=1, attempts=1, created_at=now - timedelta(minutes=5), finished_at=now),
            Job(kind="core.deliver_mail", title="Deliver “You are invited”", status=Job.FAILED, attempts=3,
                error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox here",
                created_at=now - timedelta(minutes=2)),
        ])
        db.session.commit()
        role_id = role.id
        _mail_taken_in()
    return {"admin": admin, "custom_role_id": role_id}


def _mail_taken_in() -> None:
    """A mailbox fed by a pipe (no server to reach) with a message handled and one failed."""
    from app.extensions import db
    from app.intake import take
    from app.models import Mailbox

    box = Mailbox(name="Greetings by email", kind="hello.greetings", host="", port=993, security="ssl",
                  username="", password="", folder="INBOX", after="seen", move_to="", last_uid=0)
    db.session.add(box)
    db.session.commit()
    for subject, message_id in (("Good morning from the Riverside volunteers", "gm@example.org"), ("", "x@y")):
        take(box, (f"From: Noor Haddad <noor@example.org>\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{message_id}>\r\n\r\nHello!\r\n").encode())
