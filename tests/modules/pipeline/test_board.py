"""The board: per-stage count, total and weighted total from SQL; columns
show the biggest cards first with keyset "show more"; moving by the card's
form (plain POST back to the board, or HTMX returning the board); a bounded
number of queries whatever the number of cards."""

from __future__ import annotations

import re
from decimal import Decimal

from app.extensions import db
from modules.pipeline import opportunities as service
from modules.pipeline.models import LostReason, Opportunity, Pipeline, Stage
from modules.pipeline.views.board import CARDS_PER_COLUMN
from tests.conftest import counted_queries, csrf_from, post_form
from tests.modules.pipeline.test_opportunities import make_contact, make_opportunity

CARD_RE = re.compile(r'<li class="board-card" id="card-(\d+)"')
HTMX = {"HX-Request": "true"}


def major_gifts(app) -> tuple[int, list[int]]:
    with app.app_context():
        pipeline = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        return pipeline.id, [s.id for s in pipeline.stages]


def fill(app, stage_id: int, amounts: list[str], currency: str = "USD") -> list[int]:
    with app.app_context():
        stage = db.session.get(Stage, stage_id)
        contact = make_contact()
        reason = db.session.scalars(db.select(LostReason.id)).first() if stage.outcome == "lost" else None
        ids = [service.create(stage=stage, contact_id=contact.id, name=f"Opp {i}", amount=Decimal(a),
                              currency=currency, lost_reason_id=reason).id for i, a in enumerate(amounts)]
        db.session.commit()
        return ids


def test_totals_are_summed_exactly_per_stage_and_currency(app, ctx):
    pipeline_id, stage_ids = major_gifts(app)
    probability = db.session.get(Stage, stage_ids[1]).probability
    fill(app, stage_ids[1], ["0.10"] * 30 + ["1000.05"])
    fill(app, stage_ids[1], ["50"], currency="EUR")
    totals = service.stage_totals(pipeline_id)
    usd, eur = totals[stage_ids[1]]
    assert (usd.currency, usd.count, usd.amount) == ("USD", 31, Decimal("1003.05"))
    assert usd.weighted == (Decimal("1003.05") * probability / 100).quantize(Decimal("0.01"))
    assert (eur.currency, eur.count, eur.amount) == ("EUR", 1, Decimal("50.00"))
    assert stage_ids[0] not in totals


def test_the_board_shows_columns_totals_and_the_biggest_cards_first(app, admin_client):
    pipeline_id, stage_ids = major_gifts(app)
    ids = fill(app, stage_ids[0], [str(100 + i) for i in range(CARDS_PER_COLUMN + 5)])
    html = admin_client.get("/pipeline/").get_data(as_text=True)
    with app.app_context():
        names = [s.name for s in db.session.get(Pipeline, pipeline_id).stages]
    for name in names:
        assert f">{name}</h2>" in html
    shown = [int(i) for i in CARD_RE.findall(html)]
    assert shown == list(reversed(ids))[:CARDS_PER_COLUMN]  # biggest amount first
    assert f"{CARDS_PER_COLUMN + 5} opportunities" in html
    assert "$3,435" in html  # total: sum of 100..129
    more = re.search(r'href="(/pipeline/stages/\d+/cards\?after=[^"]+)"', html).group(1).replace("&amp;", "&")
    rest = admin_client.get(more, headers=HTMX).get_data(as_text=True)
    assert [int(i) for i in CARD_RE.findall(rest)] == list(reversed(ids))[CARDS_PER_COLUMN:]
    assert "Show more" not in rest
    page = admin_client.get(more)  # without JavaScript: a page of the column
    assert page.status_code == 200 and "Back to the board" in page.get_data(as_text=True)


def test_the_board_runs_a_fixed_number_of_queries(app, admin_client):
    pipeline_id, stage_ids = major_gifts(app)
    fill(app, stage_ids[0], ["10"] * 3)
    url = f"/pipeline/{pipeline_id}/board"
    admin_client.get(url)
    with counted_queries(app) as few:
        assert admin_client.get(url).status_code == 200
    for stage_id in stage_ids:
        fill(app, stage_id, ["25"] * 30)
    with counted_queries(app) as many:
        html = admin_client.get(url).get_data(as_text=True)
    assert len(CARD_RE.findall(html)) >= CARDS_PER_COLUMN * len(stage_ids)
    assert len(many) == len(few), "\n".join(many)


def test_moving_with_the_plain_form_redirects_back_to_the_board(app, admin_client):
    pipeline_id, stage_ids = major_gifts(app)
    opp_id = make_opportunity(app)
    response = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/move",
                         {"stage": stage_ids[1], "back": "board"}, page="/pipeline/")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/pipeline/{pipeline_id}/board#card-{opp_id}"
    with app.app_context():
        assert db.session.get(Opportunity, opp_id).stage_id == stage_ids[1]
    assert "moved to" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_moving_with_htmx_returns_the_board_with_new_totals(app, admin_client):
    pipeline_id, stage_ids = major_gifts(app)
    opp_id = make_opportunity(app, amount="4200")
    token = csrf_from(admin_client, "/pipeline/")
    response = admin_client.post(f"/pipeline/opportunities/{opp_id}/move", headers={**HTMX, "X-CSRFToken": token},
                                 data={"stage": stage_ids[2], "back": "board"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="board"')
    assert "pipeline:moved" in response.headers["HX-Trigger"]
    column = html.split(f'data-stage-id="{stage_ids[2]}"')[1].split("</section>")[0]
    assert f'id="card-{opp_id}"' in column and "$4,200" in column


def test_every_page_loads_the_board_script_so_a_boosted_visit_needs_no_reload(app, admin_client):
    head = admin_client.get("/").get_data(as_text=True).split("</head>")[0]
    assert "/static/js/pipeline-board.js" in head
    stylesheet = re.search(r'href="(/assets/steward-\w+\.css)"', head)[1]
    assert "/* pipeline.css */" in admin_client.get(stylesheet).get_data(as_text=True)
    response = admin_client.get("/pipeline/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert '<div id="board"' in html and "<title>" in html
    assert 'href="/pipeline/" aria-current="page">Pipeline' in html


def test_giving_pages_mark_giving_in_the_menu_though_they_share_the_pipeline_blueprint(app, admin_client):
    for url in ("/pipeline/gifts/", "/pipeline/pledges/", "/pipeline/recurring/", "/pipeline/receipts/"):
        html = admin_client.get(url).get_data(as_text=True)
        assert 'href="/pipeline/gifts/" aria-current="page">Giving' in html, url
        assert 'aria-current="page">Pipeline' not in html, url


def test_volunteers_see_the_board_without_move_controls(app, client):
    from tests.conftest import login, make_user

    pipeline_id, stage_ids = major_gifts(app)
    make_opportunity(app)
    make_user(app, "val@example.org", "volunteer", "Val")
    login(client, "val@example.org")
    html = client.get("/pipeline/").get_data(as_text=True)
    assert "Capital grant" in html and "board-move" not in html and 'draggable="true"' not in html
    assert "Manage pipelines" not in html
    with app.app_context():
        opp_id = db.session.scalar(db.select(Opportunity.id))
    token = csrf_from(client, "/pipeline/")
    assert client.post(f"/pipeline/opportunities/{opp_id}/move",
                       data={"stage": stage_ids[1], "csrf_token": token}).status_code == 403


def test_the_list_filters_and_pages(app, admin_client):
    pipeline_id, stage_ids = major_gifts(app)
    ids = fill(app, stage_ids[0], ["10"] * 55)
    other = fill(app, stage_ids[1], ["20"])
    html = admin_client.get(f"/pipeline/opportunities/?stage={stage_ids[0]}").get_data(as_text=True)
    rows = re.findall(r'href="/pipeline/opportunities/(\d+)"', html)
    assert [int(r) for r in rows] == list(reversed(ids))[:50]
    assert "before=" in html  # the next page link
    html = admin_client.get("/pipeline/opportunities/?status=open&close_from=2020-13-01").get_data(as_text=True)
    assert "Enter a date like 2026-12-31." in html
    only = admin_client.get(f"/pipeline/opportunities/?stage={stage_ids[1]}", headers=HTMX).get_data(as_text=True)
    assert re.findall(r'href="/pipeline/opportunities/(\d+)"', only) == [str(other[0])]


def test_the_list_and_the_forecast_run_a_fixed_number_of_queries(app, admin_client):
    from tests.conftest import make_user

    pipeline_id, stage_ids = major_gifts(app)
    fill(app, stage_ids[0], ["10"] * 2)
    owners = [make_user(app, f"owner{i}@example.org", "staff", f"Owner {i}").id for i in range(3)]
    urls = ("/pipeline/opportunities/", "/pipeline/forecast")
    few = {}
    for url in urls:
        admin_client.get(url)
        with counted_queries(app) as statements:
            assert admin_client.get(url).status_code == 200
        few[url] = statements
    with app.app_context():
        stage = db.session.get(Stage, stage_ids[1])
        for owner_id in owners:
            contact = make_contact()
            for _ in range(20):
                service.create(stage=stage, contact_id=contact.id, name="More", amount=Decimal("5"),
                               owner_id=owner_id, expected_close=service.today())
        db.session.commit()
    for url in urls:
        with counted_queries(app) as many:
            html = admin_client.get(url).get_data(as_text=True)
        assert "Owner 2" in html
        assert len(many) == len(few[url]), (url, [m[:60] for m in many], [f[:60] for f in few[url]])


def test_a_pipeline_without_stages_says_so(app, admin_client):
    with app.app_context():
        pipeline = Pipeline(name="Volunteers", description="", records_gifts=False, position=9)
        db.session.add(pipeline)
        db.session.commit()
        pid = pipeline.id
    html = admin_client.get(f"/pipeline/{pid}/board").get_data(as_text=True)
    assert "This pipeline has no stages yet." in html and f"/pipeline/admin/pipelines/{pid}" in html


def test_cards_show_how_long_they_have_been_in_their_stage(app, admin_client):
    from datetime import timedelta

    opp_id = make_opportunity(app)
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        opp.stage_entered_at = opp.stage_entered_at - timedelta(days=9, hours=1)
        db.session.commit()
    html = admin_client.get("/pipeline/").get_data(as_text=True)
    card = html.split(f'id="card-{opp_id}"')[1].split("</li>")[0]
    assert "9 days in stage" in card
