"""The pipeline and contacts standard reports against small hand-built
data, every expected figure worked out in the comments. The period is the
first quarter of 2026 (`from`/`to`, both days included)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.extensions import db
from app.reporting import standard
from modules.contacts.models import Contact, ContactTag, Tag
from modules.contacts.people import records
from modules.pipeline.models import LOST, OPEN, WON, Opportunity, Pipeline, Stage, StageChange

D = Decimal
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


def run(app, key: str, **args) -> list[standard.Table]:
    with app.test_request_context(f"/reports/standard/{key}"):
        report = standard.find(key).report
        values = standard.read_params(report, args)
        assert not values.errors, values.errors
        tables = report.run(values.values)
        db.session.remove()
        return tables


def rows(table, *keys):
    at = [table.result.column(k) for k in keys]
    return [tuple(row[i] for i in at) for row in table.result.rows]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def pipeline(app):
    """A pipeline of its own (the seeded ones hold no opportunities): Qualify (20%) -> Propose (60%) -> Won / Lost.

        opp  amount  expected    moves                                          outcome
        A    1000    2026-01-20  Qualify 01-01, Propose 01-05, Won 01-25        won 2026-01-25
        B     500    2026-02-10  Qualify 01-10, Lost 02-15                      lost 2026-02-15
        C    2000    2026-02-20  Qualify 01-20, Propose 02-01                   open, in Propose
        D     300    2026-03-05  Qualify 03-01, Won 03-10                       won 2026-03-10
    """
    with app.app_context():
        donor = records.create("person", {"first_name": "Opal", "last_name": "Prospect"})
        major = Pipeline(name="Capital campaign")
        db.session.add(major)
        db.session.flush()
        stages = {name: Stage(pipeline_id=major.id, name=name, position=i, probability=p, outcome=o)
                  for i, (name, p, o) in enumerate([("Qualify", 20, OPEN), ("Propose", 60, OPEN),
                                                    ("Won", 100, WON), ("Lost", 0, LOST)])}
        db.session.add_all(stages.values())
        db.session.flush()
        plan = {"A": ("1000", "2026-01-20", [("Qualify", "2026-01-01"), ("Propose", "2026-01-05"),
                                             ("Won", "2026-01-25")]),
                "B": ("500", "2026-02-10", [("Qualify", "2026-01-10"), ("Lost", "2026-02-15")]),
                "C": ("2000", "2026-02-20", [("Qualify", "2026-01-20"), ("Propose", "2026-02-01")]),
                "D": ("300", "2026-03-05", [("Qualify", "2026-03-01"), ("Won", "2026-03-10")])}
        for name, (amount, expected, moves) in plan.items():
            last, when = moves[-1]
            stage = stages[last]
            opp = Opportunity(pipeline_id=major.id, stage_id=stage.id, contact_id=donor.id, name=name,
                              amount=D(amount), currency="USD", expected_close=date.fromisoformat(expected),
                              closed_on=None if stage.outcome == OPEN else date.fromisoformat(when),
                              stage_entered_at=at(when))
            db.session.add(opp)
            db.session.flush()
            previous = None
            for stage_name, on in moves:
                db.session.add(StageChange(opportunity_id=opp.id, contact_id=donor.id, at=at(on),
                                           from_stage_id=previous, to_stage_id=stages[stage_name].id))
                previous = stages[stage_name].id
        db.session.commit()
        return {"pipeline": major.id, **{name: stage.id for name, stage in stages.items()}}


def test_win_rate(app, pipeline):
    # Closed in Q1: won A (1000) and D (300), lost B (500): 2 / 3 = 66.7%; by value 1300 / 1800 = 72.2%.
    (table,) = run(app, "pipeline.win-rate", **Q1)
    assert table.result.rows == [("Capital campaign", 2, 1, D("66.7"), D("1000.00") + D("300.00"), D("500.00"),
                                  D("72.2"))]
    # Only January: A won, nothing lost: 100.0%.
    (january,) = run(app, "pipeline.win-rate", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert rows(january, "won", "lost", "rate") == [(1, 0, D("100.0"))]


def test_time_in_stage(app, pipeline):
    # Stays in Qualify that ended in Q1: A 4 days, B 36, C 12, D 9 -> average 61 / 4 = 15.25 -> 15.3;
    # median (9 + 12) / 2 = 10.5. Propose: A 20 days. C is in Propose now.
    (table,) = run(app, "pipeline.time-in-stage", **Q1, pipeline=str(pipeline["pipeline"]))
    assert rows(table, "stage", "stays", "average", "median", "now") == [
        ("Capital campaign: Qualify", 4, D("15.3"), D("10.5"), 0),
        ("Capital campaign: Propose", 1, D("20.0"), D("20.0"), 1)]


def test_forecast_against_actual(app, pipeline):
    # January: A expected (1000), A won (1000) -> 100.0%. February: B and C expected (2,500); C still open
    # in Propose, weighted 2000 x 60% = 1,200; nothing won -> 0.0%. March: D expected and won (300).
    (table,) = run(app, "pipeline.forecast-actual", **Q1)
    assert rows(table, "month", "expected", "forecast", "weighted", "won", "actual", "ratio") == [
        ("Jan 2026", 1, D("1000.00"), D("0.00"), 1, D("1000.00"), D("100.0")),
        ("Feb 2026", 2, D("2500.00"), D("1200.00"), 0, D("0.00"), D("0.0")),
        ("Mar 2026", 1, D("300.00"), D("0.00"), 1, D("300.00"), D("100.0"))]
    assert "close_from=2026-02-01" in table.result.drill[1] and "close_to=2026-02-28" in table.result.drill[1]


@pytest.fixture
def people(app):
    """Contacts made at noon UTC on these days (tags, source, email, postal address):

        P1  2025-12-15  Volunteer          Import   email   -
        C1  2026-01-10  Volunteer          Website  -       address
        C2  2026-01-31                     Website  same@   -
        T   2026-01-15  Volunteer          Website  (trashed: counted nowhere)
        C3  2026-03-31  Volunteer, Board   Event    -       -
        C4  2026-04-01                     Website  same@   -     (after the period; C2's duplicate)
    """
    with app.app_context():
        volunteer, board = Tag(name="Volunteer"), Tag(name="Board")
        db.session.add_all([volunteer, board])
        db.session.flush()
        plan = [("P1", "Pat", "2025-12-15", [volunteer], "Import", "p1@example.org", False),
                ("C1", "Cy", "2026-01-10", [volunteer], "Website", None, True),
                ("C2", "Ann", "2026-01-31", [], "Website", "same@example.org", False),
                ("T", "Tess", "2026-01-15", [volunteer], "Website", None, False),
                ("C3", "Bo", "2026-03-31", [volunteer, board], "Event", None, False),
                ("C4", "Ann", "2026-04-01", [], "Website", "same@example.org", False)]
        ids = {}
        for key, first, made, tags, source, email, address in plan:
            details = records.Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [],
                                      addresses=[{"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA",
                                                  "country": "GB", "label": "", "is_primary": True}]
                                      if address else [])
            contact = records.create("person", {"first_name": first, "last_name": "Same" if first == "Ann" else key,
                                                "source": source}, details)
            db.session.flush()
            contact.created_at = at(f"{made}T12:00:00")
            contact.source = source
            db.session.add_all([ContactTag(contact_id=contact.id, tag_id=t.id) for t in tags])
            ids[key] = contact.id
        db.session.flush()
        records.trash([db.session.get(Contact, ids["T"])])
        db.session.commit()
        return {**ids, "volunteer": volunteer.id}


def test_contact_growth_by_month(app, people):
    # Before the period: P1 (1). January: C1, C2 -> 3; February: none -> 3; March: C3 (on the 31st) -> 4.
    # T is trashed; C4 comes after the period.
    (table,) = run(app, "contacts.growth", **Q1)
    assert table.result.rows == [("Jan 2026", 2, 3), ("Feb 2026", 0, 3), ("Mar 2026", 1, 4)]
    assert table.footer == ("In the period", 3, 4)
    assert "created:between:2026-01-01..2026-01-31" in table.result.drill[0]
    assert table.result.drill[1] is None


def test_contacts_by_tag_and_source(app, people, client, admin):
    # Volunteer: P1, C1, C3 (T is trashed) = 3, of whom C1 and C3 were added in Q1; Board: C3.
    (tags,) = run(app, "contacts.by-tag", **Q1)
    assert tags.result.rows == [("Volunteer", 2, 3), ("Board", 1, 1)]
    assert f"tag:is:{people['volunteer']}" in tags.result.drill[0]
    # Website: C1, C2, C4 = 3 (C1, C2 in Q1); Event: C3 (in Q1); Import: P1.
    (sources,) = run(app, "contacts.by-source", **Q1)
    assert sources.result.rows == [("Website", 2, 3), ("Event", 1, 1), ("Import", 0, 1)]
    # Each links to the contacts list filtered by that tag or source, which finds the same contacts.
    from tests.conftest import login

    login(client)
    assert client.get(tags.result.drill[0]).get_data(as_text=True).count('<a id="c') == 3
    assert client.get(sources.result.drill[0]).get_data(as_text=True).count('<a id="c') == 3


def test_contacts_by_tag_counts_local_days_at_both_ends(app):
    """In New York (UTC-5 in January) the period 5-7 January runs from 05:00 UTC
    on the 5th to 05:00 UTC on the 8th: the rollup holds UTC days, so the
    report reads the whole 6th and 7th from it and the hours at either end
    from the contacts. Every contact is a Volunteer:

        a  2026-01-05 04:59 UTC  (4 Jan, 23:59 in New York: before)
        b  2026-01-05 05:00 UTC  (5 Jan, 00:00: in)
        c  2026-01-06 12:00 UTC  (in)
        d  2026-01-08 04:59 UTC  (7 Jan, 23:59: in)
        e  2026-01-08 05:00 UTC  (8 Jan: after)
        f  2026-01-07 12:00 UTC  in the trash: counted nowhere
    """
    from app import settings

    with app.app_context():
        settings.put("core", {"timezone": "America/New_York"})
        volunteer = Tag(name="Volunteer")
        db.session.add(volunteer)
        db.session.flush()
        for key, made in [("a", "2026-01-05T04:59:00"), ("b", "2026-01-05T05:00:00"), ("c", "2026-01-06T12:00:00"),
                          ("d", "2026-01-08T04:59:00"), ("e", "2026-01-08T05:00:00"), ("f", "2026-01-07T12:00:00")]:
            contact = records.create("person", {"first_name": key, "last_name": "Zone"})
            db.session.flush()
            contact.created_at = at(made)
            db.session.add(ContactTag(contact_id=contact.id, tag_id=volunteer.id))
            db.session.flush()
            if key == "f":
                records.trash([contact])
        db.session.commit()
    # b, c, d added; a to e live
    (table,) = run(app, "contacts.by-tag", **{"from": "2026-01-05", "to": "2026-01-07"})
    assert table.result.rows == [("Volunteer", 3, 5)]
    # one local day, the 7th (05:00 UTC on the 7th to 05:00 on the 8th): d only, read from the contacts
    (table,) = run(app, "contacts.by-tag", **{"from": "2026-01-07", "to": "2026-01-07"})
    assert table.result.rows == [("Volunteer", 1, 5)]
    # 4 January: a only
    (table,) = run(app, "contacts.by-tag", **{"from": "2026-01-04", "to": "2026-01-04"})
    assert table.result.rows == [("Volunteer", 1, 5)]


def test_contacts_by_tag_leaves_out_tags_no_live_contact_has(app, people):
    # Board loses C3, and a new tag is on the trashed contact only: neither is listed.
    with app.app_context():
        db.session.execute(db.delete(ContactTag).where(ContactTag.contact_id == people["C3"],
                                                       ContactTag.tag_id != people["volunteer"]))
        unused = Tag(name="Unused")
        db.session.add(unused)
        db.session.flush()
        db.session.add(ContactTag(contact_id=people["T"], tag_id=unused.id))
        db.session.commit()
    (tags,) = run(app, "contacts.by-tag", **Q1)
    assert tags.result.rows == [("Volunteer", 2, 3)]


def test_contacts_by_source_reads_the_index_alone(app, people):
    """Its counts come from the index (deleted_at, source, created_at)
    (contacts_0011), not from a scan of the contacts' rows: what SQLite's
    planner says of the report's own query; PostgreSQL chooses by its statistics, so
    its catalogue is asked whether that index holds what the query reads."""
    from sqlalchemy import event

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        seen = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            if "GROUP BY contacts_contact.source" in statement:
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            (sources,) = run(app, "contacts.by-source", **Q1)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        assert sources.result.rows == [("Website", 2, 3), ("Event", 1, 1), ("Import", 0, 1)]
        (statement, parameters), = seen
        with db.engine.connect() as conn:
            if sqlite:
                plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                        parameters))
                assert "COVERING INDEX ix_contacts_contact_live_source" in plan, plan
            else:
                # PostgreSQL's choice depends on its statistics (with a few rows, or after another test's
                # ANALYZE, a heap scan is right; disabling plain index scans disables index-only ones too),
                # so ask the catalogue: the index leads with what the query filters and groups on.
                (columns,) = conn.exec_driver_sql(
                    "SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                    "WHERE c.relname = 'ix_contacts_contact_live_source'").one()
                assert columns == ["deleted_at", "source", "created_at"]


def test_data_quality(app, people, client, admin):
    # Live: P1, C1, C2, C3, C4 = 5. No email: C1, C3 = 2 (40.0%); no postal address: all but C1 = 4 (80.0%);
    # neither: C3 = 1 (20.0%). Duplicates come from the duplicate finder's full scan: none has run yet.
    (table,) = run(app, "contacts.quality")
    assert table.result.rows == [("No email address", 2, D("40.0")), ("No postal address", 4, D("80.0")),
                                 ("Neither email nor postal address", 1, D("20.0")),
                                 ("Likely duplicate pairs", None, None)]
    assert any("no full duplicate scan has run yet" in note for note in table.result.notes)
    # The contacts module's scan (its background job) finds C2 and C4: same name, same email.
    from app.jobs import service as jobs

    with app.app_context():
        job = jobs.enqueue("contacts.find_duplicates", "Find duplicates")
        db.session.commit()
        jobs.run(job.id)
    (table,) = run(app, "contacts.quality")
    assert table.result.rows[3] == ("Likely duplicate pairs", 1, None)
    # The drill-downs are the contacts list with the same filters: it finds the same contacts.
    from tests.conftest import login

    login(client)
    for url, expected in zip(table.result.drill[:3], (2, 4, 1), strict=True):
        page = client.get(url).get_data(as_text=True)
        assert page.count('<a id="c') == expected, url
    # Whoever may merge contacts (contacts.edit) follows the pairs to the duplicates queue.
    assert table.result.drill[3] is None  # run() above has no signed-in user
    page = client.get("/reports/standard/contacts.quality").get_data(as_text=True)
    assert '<a href="/contacts/duplicates">1</a>' in page
