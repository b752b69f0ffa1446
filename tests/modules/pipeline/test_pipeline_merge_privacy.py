"""Pipeline & giving records when contacts merge, and in privacy export and
erasure (through the contacts module's own merge and privacy services)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import AuditEntry
from modules.contacts.dedupe import merge
from modules.contacts.people import privacy, records
from modules.pipeline import gifts
from modules.pipeline.models import (
    Acknowledgement,
    Gift,
    Opportunity,
    Pipeline,
    Pledge,
    RecurringGift,
    SoftCredit,
    StageChange,
)

D = Decimal


def person(first: str, last: str = "Example"):
    contact = records.create("person", {"first_name": first, "last_name": last})
    db.session.flush()
    return contact


def opportunity(contact_id: int, name: str = "Capital ask", **extra) -> Opportunity:
    major = db.session.scalar(select(Pipeline).where(Pipeline.name == "Major gifts"))
    opp = Opportunity(pipeline_id=major.id, stage_id=major.stages[0].id, contact_id=contact_id, name=name,
                      amount=D("5000"), currency="USD", **extra)
    db.session.add(opp)
    db.session.flush()
    db.session.add(StageChange(opportunity_id=opp.id, contact_id=contact_id, to_stage_id=major.stages[0].id,
                               at=datetime(2026, 1, 2, tzinfo=UTC)))
    return opp


@pytest.fixture
def pair(app, ctx):
    """Ann (survivor) and her duplicate Anne, with giving that overlaps."""
    ann, anne, carl = person("Ann"), person("Anne"), person("Carl")
    own = gifts.record_gift(contact_id=anne.id, amount=D("100"), received_on=date(2025, 5, 1),
                            soft_credits=[(ann.id, D("100"), "spouse")])  # Ann credited for Anne's gift
    shared = gifts.record_gift(contact_id=carl.id, amount=D("80"), received_on=date(2025, 6, 1),
                               soft_credits=[(ann.id, D("80"), "household"), (anne.id, D("80"), "household")])
    moved = gifts.record_gift(contact_id=carl.id, amount=D("60"), received_on=date(2025, 7, 1),
                              soft_credits=[(anne.id, D("60"), "solicitor")])
    tribute = gifts.record_gift(contact_id=carl.id, amount=D("40"), received_on=date(2025, 8, 1),
                                tribute_kind="memory", tribute_name="Walter Example", tribute_notify_id=anne.id)
    pledge = gifts.record_pledge(contact_id=anne.id, amount=D("300"), pledged_on=date(2025, 1, 1),
                                 schedule=[(date(2025, 2, 1), D("300"))])
    recurring = RecurringGift(contact_id=anne.id, amount=D("10"), currency="USD", frequency="monthly",
                              starts_on=date(2025, 1, 1))
    db.session.add(recurring)
    opp = opportunity(anne.id)
    db.session.add(Acknowledgement(kind="thank_you", contact_id=anne.id, gift_id=own.id, channel="download"))
    db.session.commit()
    return {"ann": ann.id, "anne": anne.id, "carl": carl.id, "own": own.id, "shared": shared.id,
            "moved": moved.id, "tribute": tribute.id, "pledge": pledge.id, "recurring": recurring.id, "opp": opp.id}


def credits(gift_id: int) -> list[tuple[int, str]]:
    return sorted(tuple(row) for row in db.session.execute(select(SoftCredit.contact_id, SoftCredit.role)
                                      .where(SoftCredit.gift_id == gift_id)).all())


def test_a_merge_moves_giving_and_drops_duplicate_or_self_soft_credits(pair):
    ids = pair
    merge.merge(records.load(ids["ann"]), records.load(ids["anne"]), {})
    db.session.commit()
    assert db.session.get(Gift, ids["own"]).contact_id == ids["ann"]
    assert credits(ids["own"]) == []  # Ann cannot be soft-credited for what is now her own gift
    assert credits(ids["shared"]) == [(ids["ann"], "household")]  # one credit, not two
    assert credits(ids["moved"]) == [(ids["ann"], "solicitor")]
    assert db.session.get(Gift, ids["tribute"]).tribute_notify_id == ids["ann"]
    for model, key in ((Pledge, "pledge"), (RecurringGift, "recurring"), (Opportunity, "opp")):
        assert db.session.get(model, ids[key]).contact_id == ids["ann"]
    assert set(db.session.scalars(select(StageChange.contact_id))) == {ids["ann"]}
    assert set(db.session.scalars(select(Acknowledgement.contact_id))) == {ids["ann"]}
    for model in (Gift, Pledge, RecurringGift, Opportunity, StageChange, Acknowledgement, SoftCredit):
        assert db.session.scalar(select(db.func.count()).select_from(model)
                                 .where(model.contact_id == ids["anne"])) == 0
    total = db.session.scalar(select(db.func.sum(Gift.amount)).where(Gift.contact_id == ids["ann"]))
    assert total == D("100.00")


def test_the_privacy_export_holds_the_contacts_giving(pair):
    data = privacy.export_data(records.load(pair["anne"]))
    giving = data["modules"]["pipeline"]
    json.dumps(giving)  # JSON-ready
    assert [(g["amount"], g["received_on"]) for g in giving["gifts"]] == [("100.00", "2025-05-01")]
    assert sorted((c["amount"], c["role"]) for c in giving["soft_credits"]) == [("60.00", "solicitor"),
                                                                                 ("80.00", "household")]
    assert giving["pledges"][0]["installments"] == [{"due_on": "2025-02-01", "amount": "300.00"}]
    assert giving["recurring_gifts"][0]["frequency"] == "monthly"
    assert giving["opportunities"][0]["name"] == "Capital ask"
    assert giving["stage_changes"][0]["to"] and giving["acknowledgements"][0]["kind"] == "thank_you"
    assert giving["tributes_notified"] == [{"gift_id": pair["tribute"], "received_on": "2025-08-01",
                                            "tribute_kind": "memory", "tribute_name": "Walter Example",
                                            "notified_at": None}]


def test_erasure_keeps_the_accounts_and_removes_what_was_written_about_the_person(app, ctx):
    eve, other = person("Eve", "Private"), person("Olga", "Other")
    gift = gifts.record_gift(contact_id=eve.id, amount=D("250"), received_on=date(2025, 3, 3),
                             reference="Cheque 1234 from Eve Private", notes="Eve said her late husband Tom...",
                             tribute_kind="memory", tribute_name="Tom Private")
    in_kind = gifts.record_gift(contact_id=eve.id, amount=D("75"), received_on=date(2025, 4, 4), in_kind=True,
                                in_kind_description="Eve Private's grand piano")
    theirs = gifts.record_gift(contact_id=other.id, amount=D("20"), received_on=date(2025, 5, 5),
                               tribute_kind="honour", tribute_name="Olga's aunt", tribute_notify_id=eve.id)
    pledge = gifts.record_pledge(contact_id=eve.id, amount=D("500"), pledged_on=date(2025, 1, 1),
                                 schedule=[(date(2025, 6, 1), D("500"))], notes="Eve's inheritance")
    recurring = RecurringGift(contact_id=eve.id, amount=D("15"), currency="USD", frequency="monthly",
                              starts_on=date(2025, 1, 1), reference="DD-EVE-PRIVATE")
    db.session.add(recurring)
    opp = opportunity(eve.id, "Eve Private legacy gift", notes="Health worries", next_step="Visit Eve at home",
                      lost_note="")
    audit.record(audit.UPDATE, opp, summary="Renamed to Eve Private legacy gift",
                 changes={"name": ("Legacy", "Eve Private legacy gift")})
    db.session.commit()

    privacy.erase(records.load(eve.id, deleted=True) or eve)
    db.session.commit()
    db.session.expire_all()

    kept = db.session.get(Gift, gift.id)
    assert (kept.amount, kept.received_on, kept.contact_id, kept.currency) == (D("250.00"), date(2025, 3, 3),
                                                                               eve.id, "USD")
    assert (kept.reference, kept.notes, kept.tribute_kind, kept.tribute_name) == ("", "", "", "")
    piano = db.session.get(Gift, in_kind.id)
    assert piano.in_kind and piano.in_kind_description == "Erased" and piano.amount == D("75.00")
    assert db.session.get(Gift, theirs.id).tribute_notify_id is None
    assert db.session.get(Gift, theirs.id).tribute_name == "Olga's aunt"  # another donor's record
    assert (db.session.get(Pledge, pledge.id).notes, db.session.get(Pledge, pledge.id).amount) == ("", D("500.00"))
    assert db.session.get(RecurringGift, recurring.id).reference == ""
    erased = db.session.get(Opportunity, opp.id)
    assert (erased.name, erased.notes, erased.next_step, erased.amount) == ("Erased", "", "", D("5000.00"))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "pipeline_opportunity",
                                                          AuditEntry.object_id == str(opp.id))).all()
    assert entries and all("Eve" not in e.summary and "Eve" not in json.dumps(e.changes or {}) for e in entries)
    everything = json.dumps(privacy.export_data(db.session.get(type(eve), eve.id))["modules"]["pipeline"])
    assert "Eve" not in everything and "Tom Private" not in everything and "piano" not in everything
    assert "250.00" in everything
