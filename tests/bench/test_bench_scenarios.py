"""Every page the bench would drive answers 200 on a small real database,
the lazily loaded parts (list counts, the donor's giving panel) included."""

from datetime import date

from app.extensions import db
from bench import scenarios
from bench.report_pages import discover as report_pages
from tests.api_client import make_token
from tests.conftest import login, make_user
from tests.modules.pipeline.test_receipts_letters import give, make_donor


def test_every_scenario_path_answers(app, client):
    make_user(app, "bench@example.org", "admin", "Bench Admin")
    with app.app_context():
        donor = make_donor("Ada", "Lovelace", "ada@example.org")
        give(donor, "25.00", date(2025, 3, 1))
        db.session.commit()
        donor_id = donor.id
    login(client, "bench@example.org")
    found = {
        "contacts": 1,
        "deep": {"path": f"/contacts/?after={donor_id}%3Alovelace+ada", "position": 1},
        "search": {"rare": {"term": "ada", "matches": 1}, "common": {"term": "lovelace", "matches": 1}},
        "contact_ids": [donor_id],
        "timeline_id": donor_id,
        "pipeline": {"board": {"path": "/pipeline/"}, "donor": {"path": f"/contacts/{donor_id}"},
                     "lybunt": {"path": "/contacts/?f=lybunt%3Ayes%3A"},
                     "sybunt": {"path": "/contacts/?f=sybunt%3Ayes%3A"}},
        "api_token": make_token(app, "bench@example.org", name="bench"),
        "reports": report_pages(app),
    }
    built = scenarios.build(found)
    keys = {s.key for s in built}
    assert {"list_count", "search_common_count", "api_list_first", "api_list_deep", "api_list_sparse",
            "pipeline_donor_giving", "pipeline_lybunt_count", "pipeline_sybunt_count", "report_giving_lybunt",
            "report_giving_retention", "report_contacts_quality", "report_pipeline_win_rate"} <= keys
    for scenario in built:
        if scenario.key.startswith(("marketing_", "helpdesk_")):
            continue  # need a seeded history: tests/bench/test_bench_marketing_helpdesk.py
        assert scenario.available, scenario.key
        for path in scenario.paths:
            response = client.get(path, headers=scenario.headers)
            assert response.status_code == 200, (scenario.key, path, response.status_code)
    panel = next(s for s in built if s.key == "pipeline_donor_giving")
    text = client.get(panel.paths[0], headers=panel.headers).get_data(as_text=True)
    assert "25.00" in text and "<html" not in text  # the fragment itself, with the gift
