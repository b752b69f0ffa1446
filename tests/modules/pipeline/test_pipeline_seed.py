"""Demo giving from `flask seed`: deterministic for a seed, realistic enough
that donor statuses, LYBUNT and SYBUNT all have people in them; a big seed
builds the giving tables' indexes at the end and is all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.seed import module_rng
from modules.contacts import seed as contacts_seed
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline import donor_years, gift_rollup, giving_filters, insight
from modules.pipeline import seed as pipeline_seed
from modules.pipeline.models import (
    Appeal,
    DonorYear,
    Fund,
    Gift,
    Opportunity,
    Pledge,
    PledgeInstallment,
    RecurringGift,
    SoftCredit,
    Stage,
    StageChange,
)
from tests.conftest import empty_tables

TODAY = date(2026, 6, 15)
N = 600


def seeded(app, seed: int, progress=lambda *a, **k: None) -> dict:
    """Seed contacts and giving into the emptied database; a fingerprint of what was made."""
    empty_tables(app)
    with app.app_context():
        contacts_seed.seed(N, module_rng(seed, "contacts"), lambda *a, **k: None)
        pipeline_seed.seed(N, module_rng(seed, "pipeline"), progress, today=TODAY)
        rank = {cid: i for i, cid in enumerate(db.session.scalars(select(Contact.id).order_by(Contact.id)))}
        funds = dict(db.session.execute(select(Fund.id, Fund.name)).all())
        appeals = dict(db.session.execute(select(Appeal.id, Appeal.name)).all())
        stages = dict(db.session.execute(select(Stage.id, Stage.name)).all())
        gifts = sorted((rank[g.contact_id], str(g.amount), g.received_on.isoformat(), funds.get(g.fund_id),
                        appeals.get(g.appeal_id), g.payment_method, g.pledge_id is not None,
                        g.recurring_id is not None, g.tribute_name, g.acknowledged_at is not None)
                       for g in db.session.scalars(select(Gift)))
        credits = sorted((rank[c.contact_id], str(c.amount), c.role) for c in db.session.scalars(select(SoftCredit)))
        opportunities = sorted((rank[o.contact_id], o.name, stages[o.stage_id], str(o.amount))
                               for o in db.session.scalars(select(Opportunity)))
        return {"gifts": gifts, "credits": credits, "opportunities": opportunities,
                "pledges": sorted((rank[p.contact_id], str(p.amount), p.status)
                                  for p in db.session.scalars(select(Pledge))),
                "recurring": sorted((rank[r.contact_id], str(r.amount), r.starts_on.isoformat(), r.status)
                                    for r in db.session.scalars(select(RecurringGift))),
                "changes": db.session.scalar(select(func.count()).select_from(StageChange)),
                "donor_years": sorted((rank[y.contact_id], y.year, y.gifts, y.first, y.again, y.next_year,
                                       str(y.total), str(y.to_date), y.gifts_to_date)
                                      for y in db.session.scalars(select(DonorYear))),
                "years_in_step": donor_years.in_step()}


def test_the_same_seed_gives_the_same_giving_and_another_seed_does_not(app):
    first = seeded(app, 7)
    assert first == seeded(app, 7)
    assert first["gifts"] != seeded(app, 8)["gifts"]


def indexes() -> dict[str, set]:
    """Every index and foreign key on the tables a bulk giving seed fills, as the database reports it."""
    inspector = sa_inspect(db.engine)
    found = {table: {(i["name"], tuple(i.get("column_names") or ()), tuple(i.get("expressions") or ()),
                      bool(i["unique"])) for i in inspector.get_indexes(table)} for table in pipeline_seed.BULK_TABLES}
    for table in pipeline_seed.BULK_TABLES:
        found[table] |= {(k["name"], tuple(k["constrained_columns"]), k["referred_table"],
                          tuple(sorted(k.get("options", {}).items()))) for k in inspector.get_foreign_keys(table)}
    return found


def test_a_big_seed_into_a_database_without_gifts_builds_its_indexes_at_the_end(app, monkeypatch):
    """The same giving as chunk by chunk, donors' years included (built once
    at the end), and every index is back afterwards."""
    chunked = seeded(app, 7)
    assert chunked["donor_years"] and chunked["years_in_step"]
    with app.app_context():
        before = indexes()
        assert sum(1 for table in before.values() for *_, unique in table if unique is False) >= 10
        assert sum(1 for table in before.values() for key in table if isinstance(key[2], str)) >= 8  # foreign keys
    monkeypatch.setattr(pipeline_seed, "BULK_FROM", 100)
    monkeypatch.setattr(pipeline_seed, "CHUNK", 40)
    said = []
    assert seeded(app, 7, lambda done, total, what="": said.append((done, total, what))) == chunked
    assert said[-1][2].startswith("donors, ") and said[-1][2].endswith(" indexes built"), said[-1]
    assert len(said) > 2  # several chunks went in
    with app.app_context():
        assert indexes() == before


def test_a_big_seed_that_fails_leaves_the_giving_as_it_was(app, monkeypatch):
    monkeypatch.setattr(pipeline_seed, "BULK_FROM", 100)
    monkeypatch.setattr(pipeline_seed, "CHUNK", 40)
    write, calls = pipeline_seed.Chunk.write, []

    def fail_on_the_second_chunk(chunk):
        calls.append(chunk)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return write(chunk)

    monkeypatch.setattr(pipeline_seed.Chunk, "write", fail_on_the_second_chunk)
    empty_tables(app)
    with app.app_context():
        before = indexes()
        contacts_seed.seed(N, module_rng(1, "contacts"), lambda *a, **k: None)
        with pytest.raises(RuntimeError, match="the disk is full"):
            pipeline_seed.seed(N, module_rng(1, "pipeline"), lambda *a, **k: None, today=TODAY)
        assert len(calls) == 2
        assert db.session.scalar(select(func.count()).select_from(Gift)) == 0
        assert db.session.scalar(select(func.count()).select_from(Contact)) == N  # committed before
        assert indexes() == before


def test_the_demo_giving_is_varied_enough_to_segment(app):
    seeded(app, 3)
    with app.app_context():
        donors = db.session.scalar(select(func.count(func.distinct(Gift.contact_id))))
        assert N * 0.4 <= donors <= N * 0.5
        first = db.session.scalar(select(func.min(Gift.received_on)))
        assert date(2021, 12, 1) <= first <= date(2022, 6, 30)  # about five years back
        assert db.session.scalar(select(func.max(Gift.received_on))) <= TODAY
        specs = {s.key: s for s in giving_filters.filters(lambda: TODAY)}

        def members(key, op, value=""):
            return set(db.session.scalars(select(Contact.id).where(specs[key].apply(op, value))))

        lybunt, sybunt = members("lybunt", "yes"), members("sybunt", "yes")
        assert lybunt and lybunt < sybunt
        by_status = {s: members("donor_status", "is", s) for s in insight.STATUS_LABELS}
        assert all(by_status.values()), {s: len(v) for s, v in by_status.items()}
        assert sum(len(v) for v in by_status.values()) == donors  # every donor has exactly one status
        assert by_status[insight.LAPSED] == sybunt
        # The panel's status agrees with the segment's, donor by donor.
        with app.test_request_context():
            for status, ids in by_status.items():
                for cid in sorted(ids)[:5]:
                    assert insight.summary(records.load(cid), TODAY, detail=False).status == status
        assert members("recurring", "yes") and members("open_pledge", "yes")
        ended = db.session.scalar(select(func.count()).select_from(RecurringGift)
                                  .where(RecurringGift.status == "ended"))
        monthly = db.session.scalar(select(func.count()).select_from(Gift).where(Gift.recurring_id.is_not(None)))
        assert ended and monthly > db.session.scalar(select(func.count()).select_from(RecurringGift))
        # Pledges add up to their installments; their payments point at them.
        for pledge in db.session.scalars(select(Pledge)):
            scheduled = db.session.scalar(select(func.sum(PledgeInstallment.amount))
                                          .where(PledgeInstallment.pledge_id == pledge.id))
            assert scheduled == pledge.amount
        assert db.session.scalar(select(func.count()).select_from(Gift).where(Gift.pledge_id.is_not(None)))
        # Spouses and households are soft-credited, never the donor themself.
        assert db.session.scalar(select(func.count()).select_from(SoftCredit).where(SoftCredit.role == "spouse"))
        assert not db.session.scalar(select(func.count()).select_from(SoftCredit).join(Gift).where(
            Gift.contact_id == SoftCredit.contact_id))
        # Opportunities in both starting pipelines, each with its history from the first stage.
        opportunities = db.session.scalars(select(Opportunity)).all()
        assert len({o.pipeline_id for o in opportunities}) == 2
        for opp in opportunities:
            changes = db.session.scalars(select(StageChange).where(StageChange.opportunity_id == opp.id)
                                         .order_by(StageChange.at)).all()
            assert changes[0].from_stage_id is None and changes[-1].to_stage_id == opp.stage_id
            assert all(a.to_stage_id == b.from_stage_id for a, b in zip(changes, changes[1:]))


def gift_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Gift))


def test_gifts_per_contact_tops_the_giving_up_and_leaves_the_demo_alone_without_it(app):
    """SEED_GIFTS_PER_CONTACT (the bench's 5) reaches that many gifts per
    contact, over more donors than the demo's half, every gift in the rollup;
    without it, the demo giving is what it was."""
    plain = seeded(app, 7)
    assert len(plain["gifts"]) < 3 * N  # the demo's own mix: about 1.9 a contact
    app.config["SEED_GIFTS_PER_CONTACT"] = 5
    try:
        empty_tables(app)
        with app.app_context():
            contacts_seed.seed(N, module_rng(7, "contacts"), lambda *a, **k: None)
            pipeline_seed.seed(N, module_rng(7, "pipeline"), lambda *a, **k: None, today=TODAY)
            gifts = gift_count()
            assert 5 * N <= gifts < 5 * N + 40  # topped up in small steps near the end
            assert db.session.scalar(select(func.count(func.distinct(Gift.contact_id)))) > N * 0.6
            assert db.session.scalar(select(func.max(Gift.received_on))) <= TODAY
            assert gift_rollup.in_step()
    finally:
        app.config.pop("SEED_GIFTS_PER_CONTACT")
    assert seeded(app, 7) == plain
