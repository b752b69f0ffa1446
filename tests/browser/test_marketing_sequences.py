"""A two-step drip sequence made in a real browser, with JavaScript and
without: the sequence form, both steps in the template editor, switching it
on, two contacts added by hand, the first step sent to aiosmtpd, and the
sequence page counting who got each step and who waits for the next."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from modules.marketing.campaign_models import Sender
from modules.marketing.sequences.models import Sequence
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.sequences.helpers import deliveries, people, send

pytestmark = pytest.mark.browser


def _setup(app) -> int:
    make_user(app)
    with app.app_context():
        from modules.marketing.models import Topic

        topic = Topic(name="Newsletter", slug="newsletter", consent_wording="Yes")
        db.session.add_all([topic, Sender(name="Riverside", email="news@riverside.example", verified_at=utcnow())])
        db.session.commit()
        return topic.id


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def _save(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    settle(page)


def _step(page, wait: str, unit: str, subject: str, body: str) -> None:
    page.get_by_label("Wait", exact=True).fill(wait)
    page.get_by_label("Unit").select_option(unit)
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Body").fill(body)


def _cell(page, position: int, label: str):
    return page.locator(f"#step-{position} td[data-label='{label}']")


def test_a_two_step_sequence_counts_each_step(app, any_page, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    topic_id = _setup(app)
    people(app, 2, topic_id)
    sign_in(page)

    page.goto("/marketing/")
    page.get_by_role("link", name="Sequences").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sequences")
    problems = {"sequences": _blocking(page)}
    page.get_by_role("link", name="New sequence").click()
    settle(page)
    page.get_by_label("Name", exact=True).fill("Welcome series")
    page.get_by_label("Topic").select_option(label="Newsletter")
    page.get_by_label("People enter by").select_option(label="Only when added by hand")
    page.get_by_label("From").select_option(label="Riverside <news@riverside.example>")
    problems["sequence form"] = _blocking(page)
    shot(page, f"sequence-form-1280-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"sequence-form-390-{mode}")
    page.set_viewport_size(DESKTOP)
    _save(page, "Save and add the first step")

    expect(page.get_by_role("heading", level=1)).to_have_text("Add step 1")
    _step(page, "0", "days", "Welcome, {{ contact.first_name }}", "Hello **{{ contact.first_name }}**, welcome.")
    if page.steward_js:  # the live preview follows the typing
        expect(page.locator(".template-preview")).to_contain_text("Hello Grace, welcome.")
    shot(page, f"sequence-step-form-1280-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"sequence-step-form-390-{mode}")
    page.set_viewport_size(DESKTOP)
    problems["step form"] = _blocking(page)
    _save(page, "Save the step")
    expect(page.locator("#steps")).to_contain_text("Welcome, {{ contact.first_name }}")

    page.get_by_role("link", name="Add a step").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add step 2")
    _step(page, "2", "days", "What we do", "Here is what we do, {{ contact.first_name }}.")
    _save(page, "Save the step")
    expect(page.locator("#step-2")).to_contain_text("2 days after step 1")

    _save(page, "Switch on")
    expect(page.locator("#sequence-status")).to_have_text("Active")
    for address in ("person0@example.org", "person1@example.org"):
        page.get_by_label("Email address").fill(address)
        _save(page, "Add to the sequence")
        expect(page.get_by_text(re.compile("entered the sequence"))).to_be_visible()
    expect(_cell(page, 1, "waiting")).to_have_text("2")

    assert send(app).sent == 2  # the worker's run: step 1 is due at once
    assert deliveries(smtp) == {("person0@example.org", "Welcome, Name0"): 1,
                                ("person1@example.org", "Welcome, Name1"): 1}
    page.reload()
    settle(page)
    expect(_cell(page, 1, "sent")).to_have_text("2")
    expect(_cell(page, 1, "waiting")).to_have_text("0")
    expect(_cell(page, 2, "waiting")).to_have_text("2")
    expect(_cell(page, 2, "sent")).to_have_text("0")
    expect(page.locator("#count-in-progress")).to_have_text("2")
    problems["sequence page"] = _blocking(page)
    shot(page, f"sequence-page-1280-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"sequence-page-390-{mode}")

    page.locator("#step-1").get_by_role("link", name=re.compile("^Preview")).click()
    settle(page)
    page.get_by_role("searchbox", name="Preview as").fill("person1@example.org")
    page.get_by_role("button", name="Find").click()
    settle(page)
    page.get_by_role("link", name=re.compile("person1@example.org")).click()
    settle(page)
    expect(page.locator("#preview-subject")).to_have_text("Welcome, Name1")
    shot(page, f"sequence-step-preview-390-{mode}")
    page.goto("/marketing/sequences")
    settle(page)
    expect(page.get_by_role("row", name=re.compile("Welcome series"))).to_contain_text("Active")
    shot(page, f"sequences-390-{mode}")
    page.set_viewport_size(DESKTOP)
    shot(page, f"sequences-1280-{mode}")

    with app.app_context():
        assert db.session.scalar(select(Sequence.status)) == "active"
    blocking = {where: found for where, found in problems.items() if found}
    assert not blocking, "\n".join(describe_violations(where, found) for where, found in blocking.items())
