"""The bench's marketing and helpdesk parts on a small seeded database:
the pages it finds answer 200, the campaign history grows to the rows per
contact asked for, the audience freeze writes one row per recipient and
leaves nothing to send, and the ingest corpus goes through the real intake
with every count checked (and a wrong count is reported, not hidden)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from bench import campaign_history, freeze, ingest, scenarios, targets
from bench.helpdesk_pages import discover as helpdesk_pages
from bench.marketing_pages import discover as marketing_pages
from tests.conftest import login, make_user

CONTACTS = 200


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed", "--contacts", str(CONTACTS)])
    assert result.exit_code == 0, result.output
    return app


def test_marketing_and_helpdesk_pages_answer(seeded, client):
    make_user(seeded, "bench@example.org", "admin", "Bench Admin")
    with seeded.app_context():
        found = {"marketing": marketing_pages(seeded), "helpdesk": helpdesk_pages(seeded)}
    built = scenarios.marketing(found["marketing"]) + scenarios.helpdesk(found["helpdesk"])
    assert [s.key for s in built if not s.available] == []
    assert found["marketing"]["history"] > 0 and found["helpdesk"]["tickets"] == CONTACTS // 2
    login(client, "bench@example.org")
    for scenario in built:
        response = client.get(scenario.paths[0], headers=scenario.headers)
        assert response.status_code == 200, (scenario.key, scenario.paths[0])
    deep = next(s for s in built if s.key == "marketing_recipients_deep")
    assert "after=" in deep.paths[0] and "campaign_received" in deep.paths[0]


def test_missing_module_pages_are_reported_not_fatal():
    rows = scenarios.marketing(None) + scenarios.helpdesk({"ticket": {"missing": "no tickets in the data"}})
    assert {s.note for s in rows if s.key.startswith("marketing")} == {"marketing module not enabled"}
    ticket = next(s for s in rows if s.key == "helpdesk_ticket")
    assert not ticket.available and ticket.note == "no tickets in the data"


def test_history_grows_to_rows_per_contact(seeded):
    from modules.marketing.campaign_models import Recipient

    with seeded.app_context():
        from modules.marketing.tracking import tally

        result = campaign_history.add_campaigns(3, seed=1)
        rows = db.session.scalar(select(func.count()).select_from(Recipient))
        assert tally.in_step() and len(tally.stored()) > result["added"]  # the pages read the added campaigns' tallies
    assert result["added"] > 0 and rows == result["rows"] >= 3 * result["contacts"]


def test_freeze_writes_a_row_per_recipient_and_cancels(seeded):
    from modules.marketing.campaign_models import CANCELLED, Campaign

    with seeded.app_context():
        result = freeze.freeze_campaign(50)
        campaign = db.session.scalar(select(Campaign).where(Campaign.name.like("Freeze bench%")))
        assert result["frozen"] and result["rows"] == result["recipients"] > 0
        assert campaign.status == CANCELLED  # no worker will ever send it


def test_ingest_corpus_counts_check(seeded, tmp_path):
    runner = seeded.test_cli_runner()
    added = runner.invoke(args=["helpdesk", "mailbox", "add", ingest.MAILBOX, "--address",
                                "support@bench-desk.example", "--team", ingest.TEAM])
    assert added.exit_code == 0, added.output
    with seeded.app_context():
        result = ingest.feed_in_app(tmp_path / "not-yet" / "corpus", 120, seed=3)  # folders made as needed
    assert result["problems"] == []
    assert result["messages"] == 120 and result["tickets_made"] == result["kinds"]["new"]
    assert result["already_had"] == result["kinds"].get("again", 0)
    assert {"new", "number", "reply", "auto"} <= set(result["kinds"])


def test_ingest_check_reports_what_did_not_hold(seeded):
    messages = [{"kind": "new", "id": "a@x"}, {"kind": "again", "id": "a@x"}]
    with seeded.app_context():
        problems = ingest.check(messages, mailbox_id=0, tickets_made=2, already=0)
    assert any("already had" in p for p in problems)
    assert any("2 tickets made; expected 1" in p for p in problems)
    assert any("“new” messages not where they belong" in p for p in problems)


def test_targets_and_rows_for_freeze_and_ingest():
    small = {"scenarios": [], "memory": {"idle": {"total": {"pss": 100}}}, "list_html_bytes": 1,
             "freeze": {"seconds": 0.5, "recipients": 3_000},
             "ingest": {"messages_per_s": 60.0, "problems": []}}
    checks = {c["name"]: c for c in targets.other_checks(small)}
    assert checks["Audience freeze"]["pass"] is None  # too small an audience for a verdict
    assert checks["Helpdesk ingest"]["pass"] is True
    big = {**small, "freeze": {"seconds": 12.0, "recipients": 100_000},
           "ingest": {"messages_per_s": 90.0, "problems": ["1 tickets made; expected 2"]}}
    checks = {c["name"]: c for c in targets.other_checks(big)}
    assert checks["Audience freeze"]["pass"] is False
    assert checks["Helpdesk ingest"]["pass"] is False  # fast but wrong is a miss
    assert targets.tier("sqlite", 5_000)[1]["helpdesk"] == 30
