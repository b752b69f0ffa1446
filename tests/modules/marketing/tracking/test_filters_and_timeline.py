"""The filter builder's campaign criteria return exactly the expected
contacts (on SQLite and, with DATABASE_URL, PostgreSQL), "clicked the
appeal but did not give" works as a segment with the pipeline's criterion,
the queries use the indexes, and the contact timeline shows each campaign
and what became of it."""

from __future__ import annotations

from sqlalchemy import select, text

from app.extensions import db
from modules.contacts import hooks
from modules.contacts.lists import queries
from modules.contacts.lists.segments import contact_ids_select
from modules.contacts.models import Contact, Segment
from tests.modules.marketing.tracking.data import history


def _names(*rules: str, match: str = "all") -> set[str]:
    specs = hooks.filter_specs()
    lq = queries.parse_tokens("", list(rules), match, "name", specs)
    assert not [r.error for r in lq.rules if r.error], [r.error for r in lq.rules]
    ids = queries.ids_select(lq, specs)
    return set(db.session.scalars(select(Contact.first_name).where(Contact.id.in_(ids))))


def test_each_campaign_criterion_returns_exactly_the_expected_contacts(app, admin):
    with app.app_context():
        h = history()
        appeal, news = h["appeal"], h["news"]
        everyone = {"Ann", "Bob", "Cat", "Dan", "Eve", "Fay"}
        assert _names(f"campaign_received:is:{appeal}") == {"Ann", "Bob", "Cat"}  # Fay's failed: not received
        assert _names(f"campaign_received:is_not:{appeal}") == {"Dan", "Eve", "Fay"}
        assert _names(f"campaign_clicked:is:{appeal}") == {"Ann", "Bob"}
        assert _names(f"campaign_clicked:is:{news}") == set()
        assert _names("campaign_clicked:is:any") == {"Ann", "Bob"}
        assert _names(f"campaign_clicked:is_not:{appeal}") == everyone - {"Ann", "Bob"}
        # Opened: a person's open or a click; Apple's proxy fetching Cat's is no open.
        assert _names("campaign_opened:is:any") == {"Ann", "Bob", "Dan"}
        assert _names(f"campaign_opened:is:{news}") == {"Dan"}
        assert _names(f"campaign_opened:is_not:{appeal}") == {"Cat", "Dan", "Eve", "Fay"}
        # Of the last N campaigns: sent at least one, opened none.
        assert _names("campaign_not_opened:is:1") == {"Ann", "Cat"}  # June news: Dan opened it
        assert _names("campaign_not_opened:is:2") == {"Cat"}  # Ann and Bob opened or clicked the appeal
        assert _names("campaign_not_opened:is:3") == {"Cat"}  # there are only two
        assert _names("campaign_bounced:yes:") == {"Cat"}
        assert _names("campaign_bounced:hard:") == {"Cat"}
        assert _names("campaign_bounced:no:") == everyone - {"Cat"}
        # Combined with the other criteria, all or any.
        assert _names(f"campaign_received:is:{news}", f"campaign_clicked:is:{appeal}") == {"Ann"}
        assert _names(f"campaign_opened:is:{news}", "campaign_bounced:yes:", match="any") == {"Cat", "Dan"}


def test_bad_values_are_refused_with_a_message(app, admin):
    with app.app_context():
        specs = hooks.filter_specs()
        for token, words in (("campaign_clicked:is:nope", "Choose a campaign, or any campaign."),
                             ("campaign_received:is:any", "Choose a campaign."),
                             ("campaign_not_opened:is:0", "Enter a number from 1 to 50."),
                             ("campaign_not_opened:is:x", "Enter how many campaigns, a whole number.")):
            lq = queries.parse_tokens("", [token], "all", "name", specs)
            queries.ids_select(lq, specs)
            assert lq.rules[0].error == words


def test_clicked_the_appeal_but_did_not_give_is_a_segment(app, admin):
    from datetime import date
    from decimal import Decimal

    from modules.pipeline.gifts import record_gift

    with app.app_context():
        h = history()
        record_gift(contact_id=h["people"]["Ann"], amount=Decimal("25.00"), received_on=date.today())
        segment = Segment(name="Clicked the appeal, did not give", shared=True, filters={
            "q": "", "match": "all",
            "f": [f"campaign_clicked:is:{h['appeal']}", "gave:not_between:2000-01-01..2100-12-31"]})
        db.session.add(segment)
        db.session.flush()
        ids = contact_ids_select(segment)
        assert set(db.session.scalars(select(Contact.first_name).where(Contact.id.in_(ids)))) == {"Bob"}


def _plan(sql_stmt) -> str:
    compiled = sql_stmt.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: ask which index it can use
        rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    else:
        rows = [r[-1] for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()]
    return "\n".join(rows)


def test_the_criteria_are_exists_on_the_indexes(app, admin):
    with app.app_context():
        h = history()
        specs = hooks.filter_specs()
        for token, index in ((f"campaign_received:is:{h['appeal']}", "ix_marketing_recipient_contact_campaign"),
                             (f"campaign_clicked:is:{h['appeal']}", ("uq_marketing_click_recipient_link",
                                                                      "sqlite_autoindex_marketing_click_1")),
                             ("campaign_opened:is:any", "ix_marketing_event_recipient"),
                             ("campaign_not_opened:is:2", "ix_marketing_recipient_contact"),
                             ("campaign_bounced:yes:", "ix_marketing_event_recipient")):
            lq = queries.parse_tokens("", [token], "all", "name", specs)
            plan = _plan(queries.ids_select(lq, specs))
            names = (index,) if isinstance(index, str) else index
            if db.session.get_bind().dialect.name == "sqlite":  # PostgreSQL picks among the indexes by cost
                assert any(name in plan for name in names), f"{token}:\n{plan}"
            # No campaign table is read whole: every step is an index search.
            assert "SCAN marketing_" not in plan and "Seq Scan on marketing_" not in plan, f"{token}:\n{plan}"
        db.session.rollback()


def test_the_contact_timeline_shows_each_campaign_and_what_happened(app, admin_client):
    with app.app_context():
        h = history()
        db.session.commit()
    page = admin_client.get(f"/contacts/{h['people']['Bob']}/timeline").get_data(as_text=True)
    assert "Campaign “Spring appeal”: received, clicked" in page
    assert "Clicked: https://example.org/give (2 times)" in page
    page = admin_client.get(f"/contacts/{h['people']['Ann']}/timeline").get_data(as_text=True)
    assert "Campaign “Spring appeal”: received, opened, clicked" in page
    assert "Campaign “June news”: received" in page and page.index("June news") < page.index("Spring appeal")
    page = admin_client.get(f"/contacts/{h['people']['Cat']}/timeline").get_data(as_text=True)
    assert "Campaign “June news”: received, bounced (hard)" in page
    assert "Campaign “Spring appeal”: received</" in page or "Campaign “Spring appeal”: received<" in page
    page = admin_client.get(f"/contacts/{h['people']['Fay']}/timeline").get_data(as_text=True)
    assert "Spring appeal" not in page  # it failed: never received
