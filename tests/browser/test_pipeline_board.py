"""The pipeline board in a real browser: an administrator sets up a pipeline
with stages; cards move by drag and drop and by their stage selector (HTMX),
and by the plain form with JavaScript off; winning records the gift, losing
asks for the reason. Screenshots of the board at desktop and phone widths;
axe on the main pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, screenshot, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def blocking(violations):
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


def seed_board(app) -> dict:
    """Major gifts with a few opportunities across its stages."""
    from app.extensions import db
    from app.models import User
    from modules.contacts.people import records
    from modules.pipeline import opportunities as service
    from modules.pipeline.models import Pipeline

    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
        pipeline = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        stages = list(pipeline.stages)
        people = [records.create("person", {"first_name": f, "last_name": last})
                  for f, last in [("Grace", "Hopper"), ("Ada", "Lovelace"), ("Katherine", "Johnson"),
                                  ("Dorothy", "Vaughan")]]
        db.session.flush()
        today = service.today()
        made = {}
        for i, (name, amount, stage_i) in enumerate([
                ("Hopper scholarship fund", "25000", 0), ("Lovelace lab renovation", "120000", 0),
                ("Johnson bursary", "8000", 1), ("Vaughan library wing", "450000", 2),
                ("Annual gala table", "1500", 1)]):
            opp = service.create(stage=stages[stage_i], contact_id=people[i % len(people)].id, name=name,
                                 amount=Decimal(amount), owner_id=owner.id,
                                 expected_close=today + timedelta(days=20 * (i + 1)))
            made[name] = opp.id
        db.session.commit()
        return {"pipeline_id": pipeline.id, "stages": {s.name: (s.id, s.outcome) for s in stages},
                "opps": made}


def stage_of(app, opp_id: int) -> int:
    from app.extensions import db
    from modules.pipeline.models import Opportunity

    with app.app_context():
        value = db.session.get(Opportunity, opp_id).stage_id
        db.session.remove()
        return value


def column(page, stage_id: int):
    return page.locator(f'.board-column[data-stage-id="{stage_id}"]')


def choose_stage(page, opportunity: str, stage: str) -> None:
    """As a keyboard user: Tab from the card's name to its stage selector
    (with JavaScript it shows only once the card holds the focus)."""
    page.get_by_role("link", name=opportunity, exact=True).focus()
    page.keyboard.press("Tab")
    select = page.get_by_label(f"Stage of {opportunity}")
    expect(select).to_be_focused()
    select.select_option(label=stage)


def move_controls_width(page, opp_id: int) -> float:
    """How wide the card's stage selector and Move button are drawn (1 px when out of sight)."""
    return page.locator(f"#card-{opp_id} form.board-move").evaluate("f => f.getBoundingClientRect().width")


def test_an_administrator_sets_up_a_pipeline_with_stages(app, page, live_url, shot):
    make_user(app)
    sign_in(page)
    page.goto("/admin/")
    page.get_by_role("link", name="Pipelines").first.click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipelines")
    page.get_by_label("Name").fill("Corporate sponsors")
    page.get_by_role("button", name="Create the pipeline").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline Corporate sponsors")
    for name, probability, outcome in [("Prospect", "10", "Open"), ("Proposal sent", "50", "Open"),
                                       ("Signed", "100", "Won"), ("Declined", "0", "Lost")]:
        form = page.locator("form.admin-stage-new")
        form.get_by_label("Stage name").fill(name)
        form.get_by_label("Probability (%)").fill(probability)
        form.get_by_label("Counts as").select_option(label=outcome)
        form.get_by_role("button", name="Add the stage").click()
        settle(page)
        expect(page.locator(".flash-success")).to_contain_text(f"The stage {name} is added.")
    expect(page.locator(".admin-stage")).to_have_count(4)
    shot(page, "pipeline-admin-stages")
    problems = {"/pipeline/admin/pipelines/<id>": blocking(run_axe(page))}
    page.get_by_role("button", name="Up Declined").click()
    settle(page)
    names = page.locator(".admin-stage input[name$='-name']")
    expect(names.nth(2)).to_have_value("Declined")
    page.get_by_role("link", name="Its board").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Corporate sponsors")
    expect(page.locator(".board-column h2")).to_have_text(["Prospect", "Proposal sent", "Declined", "Signed"])
    page.goto("/pipeline/admin/lost-reasons")
    problems["/pipeline/admin/lost-reasons"] = blocking(run_axe(page))
    report = "\n\n".join(describe_violations(p, v) for p, v in problems.items() if v)
    assert not report, "\n" + report


def test_moving_cards_with_javascript_by_drag_and_by_the_stage_selector(app, page, live_url, shot):
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.get_by_role("link", name="Pipeline", exact=True).click()  # boosted link: becomes a full page load
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Major gifts")
    names = list(data["stages"])
    first, second, third = (data["stages"][n][0] for n in names[:3])
    expect(column(page, first).locator(".board-card")).to_have_count(2)
    expect(column(page, first).locator(".board-totals")).to_contain_text("$145,000")
    shot(page, "pipeline-board-desktop", full_page=False)

    # Drag and drop: the Hopper card to the second column.
    hopper = data["opps"]["Hopper scholarship fund"]
    page.locator(f"#card-{hopper}").drag_to(column(page, second).locator(".board-column-head"))
    expect(column(page, second).locator(f"#card-{hopper}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text(f"Hopper scholarship fund moved to {names[1]}.")
    assert stage_of(app, hopper) == second
    expect(column(page, first).locator(".board-totals")).to_contain_text("$120,000")

    # Keyboard: the card's stage selector and its Move button (HTMX swaps the board).
    # With JavaScript they stay out of sight until the card holds the focus: Tab from its name.
    bursary = data["opps"]["Johnson bursary"]
    assert move_controls_width(page, bursary) <= 1
    page.get_by_role("link", name="Johnson bursary", exact=True).focus()
    page.keyboard.press("Tab")
    select = page.get_by_label("Stage of Johnson bursary")
    expect(select).to_be_focused()
    assert move_controls_width(page, bursary) > 100
    assert move_controls_width(page, hopper) <= 1  # the other cards keep theirs hidden
    select.select_option(str(third))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move Johnson bursary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(column(page, third).locator(f"#card-{bursary}")).to_be_visible()
    assert stage_of(app, bursary) == third
    # Focus comes back to the moved card, so the next move costs no Tabs.
    expect(page.get_by_label("Stage of Johnson bursary")).to_be_focused()
    page.keyboard.press("ArrowUp")  # a focused closed <select> changes its choice with the arrows
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move Johnson bursary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(column(page, second).locator(f"#card-{bursary}")).to_be_visible()
    assert stage_of(app, bursary) == second
    expect(page.get_by_label("Stage of Johnson bursary")).to_be_focused()
    assert page.url.endswith(f"/pipeline/{data['pipeline_id']}/board") or page.url.endswith("/pipeline/")

    problems = {"board": blocking(run_axe(page))}
    shot(page, "pipeline-board-after-moves", full_page=False)
    page.set_viewport_size(PHONE)
    shot(page, "pipeline-board-phone", full_page=False)
    scrolls = page.evaluate("() => { const c = document.querySelector('.board-columns');"
                            " return c.scrollWidth > c.clientWidth; }")
    assert scrolls, "on a narrow screen the columns scroll sideways, one stage at a time"
    page.set_viewport_size(DESKTOP)
    for path in [f"/pipeline/opportunities/{hopper}", "/pipeline/opportunities/", "/pipeline/forecast",
                 f"/pipeline/opportunities/{hopper}/edit"]:
        response = page.goto(path)
        assert response.status == 200, path
        settle(page)
        problems[path] = blocking(run_axe(page))
        if path == f"/pipeline/opportunities/{hopper}":
            shot(page, "pipeline-opportunity")
        elif path == "/pipeline/opportunities/":
            shot(page, "pipeline-list")
    page.goto("/pipeline/forecast")
    shot(page, "pipeline-forecast", full_page=True)
    report = "\n\n".join(describe_violations(p, v) for p, v in problems.items() if v)
    assert not report, "\n" + report


def test_moving_a_card_without_javascript(app, nojs_page, live_url):
    page = nojs_page
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    names = list(data["stages"])
    second = data["stages"][names[1]][0]
    gala = data["opps"]["Annual gala table"]
    choose_stage(page, "Lovelace lab renovation", names[1])
    page.get_by_role("button", name="Move Lovelace lab renovation").click()
    lovelace = data["opps"]["Lovelace lab renovation"]
    # The board opens at the moved card: the next Tab starts from it.
    expect(page).to_have_url(f"{live_url}/pipeline/{data['pipeline_id']}/board#card-{lovelace}")
    expect(page.locator(".flash-success")).to_have_text(f"Lovelace lab renovation moved to {names[1]}.")
    settle(page)  # the fragment sets where Tab starts once the page has loaded
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Lovelace lab renovation")).to_be_focused()
    expect(column(page, second).locator(f"#card-{lovelace}")).to_be_visible()
    expect(column(page, second).locator(f"#card-{gala}")).to_be_visible()
    assert stage_of(app, lovelace) == second


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_winning_an_opportunity_records_the_gift(app, new_page, live_url, js):
    from app.extensions import db
    from modules.pipeline.models import Gift

    page = new_page(js=js)
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    won = next(name for name, (_, outcome) in data["stages"].items() if outcome == "won")
    vaughan = data["opps"]["Vaughan library wing"]
    choose_stage(page, "Vaughan library wing", won)
    page.get_by_role("button", name="Move Vaughan library wing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vaughan library wing is won")
    gift_form = page.locator("form", has=page.get_by_role("button", name="Record the gift"))
    expect(gift_form.get_by_label("Amount")).to_have_value("450,000.00")
    gift_form.get_by_label("Date received").fill(date.today().isoformat())
    gift_form.get_by_label("Payment method").select_option(label="Bank transfer")
    if js:
        screenshot(page, "pipeline-won-step")
        problems = blocking(run_axe(page))
        assert not problems, describe_violations("won step", problems)
    gift_form.get_by_role("button", name="Record the gift").click()
    settle(page)
    expect(page.locator(".flash-success")).to_contain_text("The gift of $450,000.00 from Dorothy Vaughan")
    with app.app_context():
        gift = db.session.scalar(db.select(Gift).where(Gift.opportunity_id == vaughan))
        assert gift is not None and gift.amount == Decimal("450000.00") and gift.payment_method == "bank"
        db.session.remove()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_losing_an_opportunity_asks_for_the_reason(app, new_page, live_url, js):
    from app.extensions import db
    from modules.pipeline.models import Opportunity

    page = new_page(js=js)
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    lost_name, (lost_id, _) = next((n, v) for n, v in data["stages"].items() if v[1] == "lost")
    gala = data["opps"]["Annual gala table"]
    choose_stage(page, "Annual gala table", lost_name)
    page.get_by_role("button", name="Move Annual gala table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why was Annual gala table lost?")
    page.get_by_role("button", name="Mark it lost").click()
    expect(page.locator("#lost_reason-error")).to_have_text("Choose why it was lost.")
    assert stage_of(app, gala) != lost_id
    page.get_by_label("Why was it lost?").select_option(label="Budget")
    page.get_by_label("Note (optional)").fill("Their budget moved to next year.")
    page.get_by_role("button", name="Mark it lost").click()
    settle(page)
    expect(page.locator(".flash-success")).to_have_text("Annual gala table is marked lost (Budget).")
    expect(column(page, lost_id).locator(f"#card-{gala}")).to_be_visible()
    with app.app_context():
        opp = db.session.get(Opportunity, gala)
        assert (opp.stage_id, opp.lost_reason.name, opp.lost_note) == (lost_id, "Budget",
                                                                       "Their budget moved to next year.")
        db.session.remove()


def test_a_new_opportunity_from_the_board(app, any_page, live_url):
    page = any_page
    make_user(app)
    seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    page.get_by_role("link", name="New opportunity").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("New opportunity")
    page.get_by_label("Name, email or phone").fill("lovel")
    if not page.steward_js:
        page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Ada Lovelace").click()
    settle(page)
    page.get_by_label("Name", exact=True).fill("Lovelace endowed chair")
    page.get_by_label("Amount").fill("2,000,000")
    page.get_by_label("Expected close date").fill("2027-06-30")
    page.get_by_role("button", name="Create the opportunity").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lovelace endowed chair")
    expect(page.locator(".opportunity-details")).to_contain_text("$2,000,000.00")
    expect(page.locator(".flash-success")).to_contain_text("is created in")


def test_without_javascript_every_card_shows_its_stage_selector(app, nojs_page, live_url):
    make_user(app)
    data = seed_board(app)
    sign_in(nojs_page)
    nojs_page.goto("/pipeline/")
    widths = [move_controls_width(nojs_page, opp) for opp in data["opps"].values()]
    assert len(widths) == 5 and min(widths) > 100, widths


def test_at_1280_px_the_board_shows_every_stage(app, page, live_url):
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    settle(page)
    boxes = {name: column(page, stage_id).bounding_box() for name, (stage_id, _) in data["stages"].items()}
    assert all(0 <= box["x"] and box["x"] + box["width"] <= DESKTOP["width"] for box in boxes.values()), boxes
    outcomes = dict(data["stages"].values())
    narrow = [boxes[n]["width"] for n, (sid, _) in data["stages"].items() if outcomes[sid] in ("won", "lost")]
    wide = [boxes[n]["width"] for n, (sid, _) in data["stages"].items() if outcomes[sid] == "open"]
    assert len(narrow) == 2 and max(narrow) < min(wide), boxes
    assert page.evaluate("() => document.documentElement.scrollWidth") <= DESKTOP["width"]
    expect(page.locator(".board-scroll-hint")).to_be_hidden()  # nothing to scroll to
    expect(page.get_by_role("navigation", name="Stages")).to_be_hidden()


def test_on_a_phone_the_board_shows_one_stage_at_a_time(app, any_page, live_url):
    page = any_page
    page.set_viewport_size(PHONE)
    make_user(app)
    data = seed_board(app)
    sign_in(page)
    page.goto("/pipeline/")
    settle(page)
    switcher = page.get_by_role("navigation", name="Stages")
    names = list(data["stages"])
    expect(switcher.get_by_role("link")).to_have_count(len(names))
    expect(switcher.get_by_role("link").first).to_have_text(f"{names[0]} 2")  # its name and how many cards

    def in_view() -> list[str]:
        """The stages whose column is inside the window."""
        return page.evaluate("""() => [...document.querySelectorAll('.board-column')].filter(c => {
            const b = c.getBoundingClientRect(); return b.left >= -1 && b.right <= innerWidth + 1; })
            .map(c => c.querySelector('h2').textContent)""")

    assert in_view() == [names[0]]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    lost = next(n for n, (_, outcome) in data["stages"].items() if outcome == "lost")
    switcher.get_by_role("link", name=lost).click()
    page.wait_for_function("""(name) => [...document.querySelectorAll('.board-column')].some(c =>
        c.querySelector('h2').textContent === name
        && Math.abs(c.getBoundingClientRect().left - c.parentElement.getBoundingClientRect().left) < 2)""",
                           arg=lost)
    assert in_view() == [lost]
    if page.steward_js:  # the stage in view is the current one, and the page did not jump
        expect(switcher.get_by_role("link", name=lost)).to_have_attribute("aria-current", "true")
        expect(switcher.locator("[aria-current]")).to_have_count(1)
    screenshot(page, f"pipeline-board-phone-lost-{'js' if page.steward_js else 'nojs'}", full_page=False)
