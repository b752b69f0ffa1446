"""An A/B subject test in a real browser, with and without JavaScript: the
campaign written with two subjects, a test share and a wait, and click
counting switched on, on its form; sent to a real SMTP server; the page
shows the test per subject while it waits; a reader of subject B clicks;
after the wait the schedule picks B and the rest get it, each person one
message. Screenshots at 1280 and 390 px."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import schedules
from app.extensions import db
from app.models.base import utcnow
from modules.marketing import ab
from modules.marketing.campaign_models import Campaign, Recipient
from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.campaign_helpers import person, segment, verified_sender
from tests.modules.marketing.sending.helpers import deliveries, run_all
from tests.modules.marketing.tracking.helpers import hrefs, messages, path

pytestmark = pytest.mark.browser


def _shots(page, shot, name: str) -> None:
    mode = "js" if page.steward_js else "nojs"
    shot(page, f"marketing-{name}-{mode}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"marketing-{name}-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_ab_test_is_set_up_on_the_form_and_picks_its_winner(app, any_page, live_url, shot, smtp):
    page = any_page
    make_user(app)
    with app.app_context():
        for i in range(10):
            person(f"P{i}", f"p{i}@example.org", tags=["Donors"])
        segment("Donors", "Donors")
        verified_sender()
        db.session.commit()
    sign_in(page)
    page.goto("/marketing/campaigns/new")
    settle(page)
    page.get_by_label("Name (for staff)").fill("Winter appeal")
    page.get_by_label("Subject", exact=True).fill("Winter appeal")
    page.get_by_label("From").select_option(label="Riverside <news@riverside.example>")
    page.get_by_label("Body").fill("Dear {{ contact.first_name }}, [give](https://example.org/give).\n\n"
                                   "[Unsubscribe]({{ unsubscribe_url }})")
    page.get_by_label("Segments", exact=True).select_option(label="Donors")
    expect(page.get_by_label("Count clicks on links")).to_be_checked()
    expect(page.get_by_label("Count opens")).not_to_be_checked()  # off by default
    page.get_by_label("Subject B").fill("A warm meal this winter")
    page.get_by_label("Test share of the audience (%)").fill("40")
    page.get_by_label("Pick the winner after (minutes)").fill("30")
    _shots(page, shot, "ab-form")
    page.get_by_role("button", name="Save the draft").click()
    settle(page)
    with app.app_context():
        row = db.session.scalar(select(Campaign))
        assert (row.ab_subjects, row.ab_share, row.ab_wait_minutes, row.ab_metric, row.track_clicks,
                row.track_opens) == (["A warm meal this winter"], 40, 30, "clicks", True, False)
        campaign_id = row.id
    expect(page.locator("#ab-subjects")).to_contain_text("B: A warm meal this winter")

    page.get_by_role("link", name="Send now…").click()
    settle(page)
    page.get_by_role("button", name="Send now").click()
    settle(page)
    expect(page.get_by_text("the audience is being prepared")).to_be_visible()
    run_all(app)
    got = messages(smtp)
    assert len(got) == 4  # 40% of 10: two with each subject
    assert Counter(str(m["Subject"]) for m in got.values()) == {"Winter appeal": 2, "A warm meal this winter": 2}
    b_reader = next(m for m in got.values() if str(m["Subject"]) == "A warm meal this winter")
    tracked = next(h for h in hrefs(b_reader) if "/marketing/r/" in h)
    with app.test_client() as reader:
        assert reader.get(path(tracked)).headers["Location"] == "https://example.org/give"

    page.goto(f"/marketing/campaigns/{campaign_id}")
    settle(page)
    expect(page.locator("#ab-state")).to_contain_text("Waiting")
    table = page.locator("#ab-table tbody tr")
    assert table.nth(0).get_by_role("cell").all_inner_texts() == ["Winter appeal", "2", "0", "0.0%"]
    assert table.nth(1).get_by_role("cell").all_inner_texts() == ["A warm meal this winter", "2", "1", "50.0%"]
    if page.steward_js:
        problems = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
        assert not problems, describe_violations("A/B test waiting", problems)
    _shots(page, shot, "ab-waiting")

    with app.app_context():  # the half hour passes
        db.session.get(Campaign, campaign_id).ab_decide_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        schedules.run_due(only=ab.NAME)
        db.session.remove()
    run_all(app)
    assert deliveries(smtp) == {f"p{i}@example.org": 1 for i in range(10)}
    with app.app_context():
        assert Counter(db.session.scalars(select(Recipient.variant))) == {"a": 2, "b": 2, "B": 6}
    page.goto(f"/marketing/campaigns/{campaign_id}")
    settle(page)
    expect(page.locator("#ab-state")).to_contain_text("Winner: subject B")
    expect(page.get_by_role("rowheader", name="B (winner)")).to_be_visible()
    _shots(page, shot, "ab-decided")
