"""The other shipped sources against hand-built data: soft credits (through
the donor or the person credited), pledges (paid and outstanding from the
gifts that pay them), opportunities (stage, owner, outcome); a field hidden
by its own permission; and the drill-down rule saved in a segment, read
outside any request (a campaign's worker)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reporting.sources import Field, Source, permitted
from modules.contacts.models import ContactTag, Segment
from modules.contacts.people import records
from modules.pipeline import gifts, opportunities
from modules.pipeline.models import LostReason, Pledge, Stage
from tests.modules.reports import data
from tests.modules.reports.test_builder_queries import run, table

D = Decimal


@pytest.fixture
def ids(app):
    with app.app_context():
        ids = data.build()
        spouse = records.create("person", {"first_name": "Sue", "last_name": "Spouse"})
        db.session.flush()
        ids["Sue"] = spouse.id
        db.session.add(ContactTag(contact_id=spouse.id, tag_id=ids["tag"]))
        gifts.record_gift(contact_id=ids["Ben"], amount=D("80"), received_on=date(2025, 3, 1), currency="GBP",
                          soft_credits=[(spouse.id, D("80"), "spouse")])
        gifts.record_gift(contact_id=ids["Cat"], amount=D("30"), received_on=date(2025, 3, 2), currency="GBP",
                          soft_credits=[(ids["Ann"], D("30"), "solicitor")])
        pledge = Pledge(contact_id=ids["Dan"], amount=D("500"), currency="GBP", pledged_on=date(2025, 1, 1))
        other = Pledge(contact_id=ids["Cat"], amount=D("100"), currency="GBP", pledged_on=date(2025, 2, 1),
                       status="fulfilled")
        db.session.add_all([pledge, other])
        db.session.flush()
        gifts.record_gift(contact_id=ids["Dan"], amount=D("120"), received_on=date(2025, 2, 1), currency="GBP",
                          pledge_id=pledge.id)
        gifts.record_gift(contact_id=ids["Cat"], amount=D("100"), received_on=date(2025, 2, 5), currency="GBP",
                          pledge_id=other.id)
        stages = {s.name: s for s in db.session.scalars(select(Stage))}
        from app.models import User

        admin_id = db.session.scalar(select(User.id))
        budget = db.session.scalar(select(LostReason.id).where(LostReason.name == "Budget"))
        for name, stage, amount in (("Grant A", "Awarded", "5000"), ("Grant B", "Declined", "2000"),
                                    ("Major 1", "Cultivating", "10000"), ("Major 2", "Won", "2500")):
            opportunities.create(stage=stages[stage], contact_id=ids["Ann"], name=name, amount=D(amount),
                                 currency="GBP", owner_id=admin_id if name != "Grant B" else None,
                                 lost_reason_id=budget if stage == "Declined" else None)
        db.session.commit()
        return ids


def test_soft_credits_through_the_person_credited_or_the_donor(app, admin, ids):
    by_role = table(run(app, source="soft_credits", g="role", m="sum:credit_amount")[0])
    assert by_role == {"Solicitor": (D("30.00"),), "Spouse": (D("80.00"),)}
    tagged = f"tag:is:{ids['tag']}"
    # Board members (Ann, Sue) as the people credited: both credits.
    credited = table(run(app, source="soft_credits", g="role", f=tagged)[0])
    assert credited == {"Solicitor": (1,), "Spouse": (1,)}
    # Board members as donors: neither gift was paid by Ann or Sue.
    assert run(app, source="soft_credits", g="role", f=tagged, via="donor")[0].rows == []


def test_pledges_paid_and_outstanding(app, admin, ids):
    result = run(app, source="pledges", g="status", m=["sum:amount", "sum:paid", "sum:outstanding"])[0]
    assert table(result) == {"Fulfilled": (D("100.00"), D("100.00"), D("0.00")),
                             "Open": (D("500.00"), D("120.00"), D("380.00"))}
    listed = run(app, source="pledges", col=["donor", "outstanding"], w="status:is:open")[0]
    assert listed.rows == [("Dan Donor", D("380.00"))]


def test_opportunities_by_outcome_and_owner(app, admin, ids):
    by_outcome = table(run(app, source="opportunities", g="outcome", m=["count", "sum:amount"])[0])
    assert by_outcome == {"Lost": (1, D("2000.00")), "Open": (1, D("10000.00")), "Won": (2, D("7500.00"))}
    by_owner = table(run(app, source="opportunities", g="owner", w="outcome:is:won")[0])
    assert by_owner == {"Ada Admin": (2,)}
    rows = run(app, source="opportunities", g=["pipeline", "stage"], m="sum:amount")[0].rows
    assert {(r[0], r[1]): r[2] for r in rows} == {
        ("Grants", "Awarded"): D("5000.00"), ("Grants", "Declined"): D("2000.00"),
        ("Major gifts", "Cultivating"): D("10000.00"), ("Major gifts", "Won"): D("2500.00")}
    assert table(run(app, source="opportunities", g="lost_reason", w="outcome:is:lost")[0]) == {"Budget": (1,)}


def test_a_field_hidden_by_its_own_permission(app):
    from flask_login import login_user

    from app.models import User
    from tests.conftest import make_user

    source = Source("s", "S", "contacts.view", table=None, key=None, fields=[
        Field("a", "A", "text", None), Field("b", "B", "money", None, permission="giving.view")])
    make_user(app, "vol@example.org", "volunteer", "Val")
    with app.test_request_context():
        login_user(db.session.scalar(select(User).where(User.email == "vol@example.org")))
        assert [f.key for f in permitted(source).fields] == ["a"]


def test_a_drill_down_saved_as_a_segment_reads_outside_a_request(app, admin_client, ids):
    import re
    from html import unescape

    from modules.contacts.lists import segments

    page = admin_client.get("/reports/new?source=gifts&g=fund&m=count").get_data(as_text=True)
    building = [unescape(u) for u in re.findall(r'<td class="num"><a href="([^"]+)"', page) if "Building" in u][0]
    token = building.split("f=", 1)[1]
    from urllib.parse import unquote

    from app.models import User

    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "admin@example.org"))
        segment = Segment(name="Building donors", filters={"q": "", "f": [unquote(token)], "match": "all"},
                          owner_id=admin_id, shared=True)
        db.session.add(segment)
        db.session.commit()
        names = set(db.session.scalars(select(records.Contact.first_name).where(
            records.Contact.id.in_(segments.contact_ids_select(segment)))))
    assert names == {"Ann", "Ben"}  # the two who gave to the Building fund
