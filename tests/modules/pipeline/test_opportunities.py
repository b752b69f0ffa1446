"""Opportunities: the service (create, edit, move with history, win, lose,
delete, audit) and its pages (new for a contact, the page with time in each
stage, edit, delete with confirmation, the lost-reason and won steps)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import opportunities as service
from modules.pipeline.models import Gift, LostReason, Opportunity, Pipeline, Pledge, Stage, StageChange
from tests.conftest import login, make_user, post_form


def stage(pipeline: str, name: str) -> Stage:
    return db.session.scalar(db.select(Stage).join(Pipeline).where(Pipeline.name == pipeline, Stage.name == name))


def make_contact(name: str = "Grace Hopper"):
    first, last = name.split(" ", 1)
    contact = records.create("person", {"first_name": first, "last_name": last})
    db.session.flush()
    return contact


def make_opportunity(app, name="Capital grant", amount="10000.00", pipeline="Major gifts", stage_name=None,
                     contact_id=None, **fields) -> int:
    with app.app_context():
        first = db.session.scalar(db.select(Stage).join(Pipeline).where(Pipeline.name == pipeline)
                                  .order_by(Stage.position))
        target = stage(pipeline, stage_name) if stage_name else first
        contact_id = contact_id or make_contact().id
        opp = service.create(stage=target, contact_id=contact_id, name=name, amount=Decimal(amount), **fields)
        db.session.commit()
        opp_id = opp.id
        db.session.remove()
        return opp_id


def stage_names(pipeline: str) -> list[str]:
    return [s.name for s in db.session.scalars(db.select(Stage).join(Pipeline).where(Pipeline.name == pipeline)
                                               .order_by(Stage.position))]


@pytest.fixture
def stages(ctx):
    """The starting "Major gifts" stages by outcome."""
    all_stages = list(db.session.scalars(db.select(Stage).join(Pipeline).where(Pipeline.name == "Major gifts")
                                         .order_by(Stage.position)))
    return {"open": [s for s in all_stages if s.outcome == "open"],
            "won": next(s for s in all_stages if s.outcome == "won"),
            "lost": next(s for s in all_stages if s.outcome == "lost")}


def test_create_writes_the_first_stage_change_and_an_audit_entry(stages):
    contact = make_contact()
    first = stages["open"][0]
    opp = service.create(stage=first, contact_id=contact.id, name="Annual gift", amount=Decimal("2500"))
    db.session.commit()
    assert opp.pipeline_id == first.pipeline_id and opp.currency == "USD" and opp.closed_on is None
    changes = db.session.scalars(db.select(StageChange).where(StageChange.opportunity_id == opp.id)).all()
    assert [(c.from_stage_id, c.to_stage_id) for c in changes] == [(None, first.id)]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "pipeline_opportunity"))
    assert entry.action == "create" and "Annual gift" in entry.summary and "$2,500.00" in entry.summary


def test_moving_keeps_the_history_and_closes_on_won(stages):
    contact = make_contact()
    first, second = stages["open"][0], stages["open"][1]
    opp = service.create(stage=first, contact_id=contact.id, name="Gift", amount=Decimal("100"))
    assert service.move(opp, second) is True
    assert service.move(opp, second) is False  # already there: nothing written
    service.move(opp, stages["won"])
    db.session.commit()
    assert opp.closed_on == service.today()
    moves = db.session.execute(db.select(StageChange.from_stage_id, StageChange.to_stage_id)
                               .where(StageChange.opportunity_id == opp.id).order_by(StageChange.id)).all()
    assert moves == [(None, first.id), (first.id, second.id), (second.id, stages["won"].id)]
    assert [s.stage for s in service.history(opp)] == [first.name, second.name, stages["won"].name]
    summaries = db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.action == "update")
                                   .order_by(AuditEntry.id)).all()
    assert summaries == [f"Moved: Gift to {second.name}", f"Won: Gift to {stages['won'].name}"]
    service.move(opp, first)  # reopened
    assert opp.closed_on is None


def test_losing_needs_a_reason_and_reopening_clears_it(stages):
    contact = make_contact()
    opp = service.create(stage=stages["open"][0], contact_id=contact.id, name="Gift", amount=Decimal("100"))
    with pytest.raises(service.OpportunityError, match="why it was lost"):
        service.move(opp, stages["lost"])
    assert opp.stage_id == stages["open"][0].id
    reason = db.session.scalars(db.select(LostReason)).first()
    service.move(opp, stages["lost"], lost_reason_id=reason.id, lost_note=" Chose another charity ")
    assert (opp.lost_reason_id, opp.lost_note, opp.closed_on) == (reason.id, "Chose another charity",
                                                                   service.today())
    service.move(opp, stages["open"][0])
    assert opp.lost_reason_id is None and opp.lost_note == ""


def test_a_stage_of_another_pipeline_is_refused(stages):
    contact = make_contact()
    opp = service.create(stage=stages["open"][0], contact_id=contact.id, name="Gift", amount=Decimal("1"))
    grant_stage = db.session.scalar(db.select(Stage).join(Pipeline).where(Pipeline.name == "Grants"))
    with pytest.raises(service.OpportunityError, match="another pipeline"):
        service.move(opp, grant_stage)


def test_opportunities_for_contact_lists_open_ones_first(stages):
    contact = make_contact()
    other = make_contact("Ada Lovelace")
    soon = date.today() + timedelta(days=10)
    won = service.create(stage=stages["won"], contact_id=contact.id, name="Won one", amount=Decimal("5"))
    later = service.create(stage=stages["open"][0], contact_id=contact.id, name="Later", amount=Decimal("5"),
                           expected_close=soon + timedelta(days=30))
    sooner = service.create(stage=stages["open"][1], contact_id=contact.id, name="Sooner", amount=Decimal("5"),
                            expected_close=soon)
    service.create(stage=stages["open"][0], contact_id=other.id, name="Not theirs", amount=Decimal("5"))
    db.session.commit()
    assert [o.id for o in service.opportunities_for_contact(contact.id, 10)] == [sooner.id, later.id, won.id]
    assert [o.id for o in service.opportunities_for_contact(contact.id, 1)] == [sooner.id]


# --- Pages ------------------------------------------------------------------------

def test_new_opportunity_for_a_contact_with_errors_next_to_the_fields(app, admin_client):
    with app.app_context():
        contact_id = make_contact().id
        first = stage("Major gifts", stage_names("Major gifts")[0])
        first_id = first.id
        db.session.commit()
    url = f"/pipeline/opportunities/new?contact={contact_id}"
    page = admin_client.get(url)
    assert page.status_code == 200 and "Grace Hopper" in page.get_data(as_text=True)
    bad = post_form(admin_client, url, {"name": "", "amount": "lots", "currency": "dollars",
                                        "stage": first_id, "owner": 0})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for message in ("Give the opportunity a name.", "is not an amount", "DOLLARS is not a currency code"):
        assert message in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Opportunity)) == 0
    good = post_form(admin_client, url, {"name": "Building appeal", "amount": "$12,500", "currency": "usd",
                                         "stage": first_id, "owner": 0, "expected_close": "2027-03-31",
                                         "next_step": "Visit in January"})
    assert good.status_code == 303
    with app.app_context():
        opp = db.session.scalar(db.select(Opportunity))
        assert (opp.name, opp.amount, opp.currency, opp.contact_id, opp.expected_close) == (
            "Building appeal", Decimal("12500.00"), "USD", contact_id, date(2027, 3, 31))
        assert good.headers["Location"].endswith(f"/pipeline/opportunities/{opp.id}")


def test_new_without_a_contact_asks_who_it_is_with(app, admin_client):
    with app.app_context():
        make_contact("Marie Curie")
        db.session.commit()
    html = admin_client.get("/pipeline/opportunities/new?q=curie").get_data(as_text=True)
    assert "Who is it with?" in html and "Marie Curie" in html and "/pipeline/opportunities/new?contact=" in html


def test_the_page_shows_time_in_each_stage(app, admin_client):
    opp_id = make_opportunity(app)
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        first_change = db.session.scalar(db.select(StageChange).where(StageChange.opportunity_id == opp_id))
        first_change.at = first_change.at - timedelta(days=12)
        second = stage("Major gifts", stage_names("Major gifts")[1])
        service.move(opp, second)
        db.session.commit()
    html = admin_client.get(f"/pipeline/opportunities/{opp_id}").get_data(as_text=True)
    assert "Stage history" in html and "12 days" in html and "0 days" in html
    assert "Capital grant" in html and "$10,000.00" in html


def test_edit_is_audited(app, admin_client):
    opp_id = make_opportunity(app)
    url = f"/pipeline/opportunities/{opp_id}/edit"
    response = post_form(admin_client, url, {"name": "Capital grant 2027", "amount": "15,000", "currency": "USD",
                                             "owner": 0, "next_step": "Send proposal"})
    assert response.status_code == 303
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        assert (opp.name, opp.amount, opp.next_step) == ("Capital grant 2027", Decimal("15000.00"), "Send proposal")
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update"))
        assert entry.changes["amount"] == ["10000.00", "15000.00"]


def test_delete_asks_first_and_needs_the_permission(app, client):
    opp_id = make_opportunity(app)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    assert client.get(f"/pipeline/opportunities/{opp_id}/delete").status_code == 403
    make_user(app, "manager@example.org", "manager", "Mo Manager")
    other = app.test_client()
    login(other, "manager@example.org")
    url = f"/pipeline/opportunities/{opp_id}/delete"
    question = other.get(url)
    assert question.status_code == 200 and "This cannot be undone" in question.get_data(as_text=True)
    assert post_form(other, url, {}).status_code == 303
    with app.app_context():
        assert db.session.get(Opportunity, opp_id) is None
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delete")).object_id == str(opp_id)


def test_moving_to_lost_asks_for_the_reason(app, admin_client):
    opp_id = make_opportunity(app)
    with app.app_context():
        lost = next(s for s in db.session.scalars(db.select(Stage).join(Pipeline)
                                                  .where(Pipeline.name == "Major gifts")) if s.outcome == "lost")
        lost_id, reason_id = lost.id, db.session.scalars(db.select(LostReason.id)).first()
    move = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/move", {"stage": lost_id, "back": "board"},
                     page="/pipeline/")
    assert move.status_code == 303 and f"/lose?stage={lost_id}" in move.headers["Location"]
    lose_url = move.headers["Location"]
    form = admin_client.get(lose_url).get_data(as_text=True)
    assert "Why was Capital grant lost?" in form
    missing = post_form(admin_client, lose_url, {"stage": lost_id, "lost_reason": 0, "back": "board"})
    assert missing.status_code == 422 and "Choose why it was lost." in missing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opportunity, opp_id).stage_id != lost_id
    done = post_form(admin_client, lose_url, {"stage": lost_id, "lost_reason": reason_id, "lost_note": "Timing",
                                              "back": "board"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/board")
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        assert (opp.stage_id, opp.lost_reason_id, opp.lost_note) == (lost_id, reason_id, "Timing")


def test_winning_records_the_gift_linked_to_the_opportunity(app, admin_client):
    opp_id = make_opportunity(app, amount="7500")
    with app.app_context():
        won_id = next(s.id for s in db.session.scalars(db.select(Stage).join(Pipeline)
                                                       .where(Pipeline.name == "Major gifts")) if s.outcome == "won")
    move = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/move", {"stage": won_id, "back": "board"},
                     page="/pipeline/")
    assert move.status_code == 303 and move.headers["Location"].endswith(f"/opportunities/{opp_id}/won")
    step = admin_client.get(move.headers["Location"]).get_data(as_text=True)
    assert "Record the gift" in step and "Record a pledge" in step and "Not now" in step
    assert 'value="7,500.00"' in step  # amount prefilled
    bad = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/won/gift",
                    {"amount": "7500", "received_on": "", "fund": 0, "appeal": 0}, page=move.headers["Location"])
    assert bad.status_code == 422 and "Enter the date the gift was received." in bad.get_data(as_text=True)
    ok = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/won/gift",
                   {"amount": "7,500", "received_on": "2026-11-20", "fund": 0, "appeal": 0,
                    "payment_method": "cheque"}, page=move.headers["Location"])
    assert ok.status_code == 303
    with app.app_context():
        gift = db.session.scalar(db.select(Gift))
        assert (gift.opportunity_id, gift.amount, gift.payment_method) == (opp_id, Decimal("7500.00"), "cheque")
    assert "Recorded from this opportunity" in admin_client.get(f"/pipeline/opportunities/{opp_id}").get_data(
        as_text=True)


def test_winning_into_a_pledge_with_installments(app, admin_client):
    opp_id = make_opportunity(app, amount="9000", stage_name=None)
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        service.move(opp, next(s for s in opp.pipeline.stages if s.outcome == "won"))
        db.session.commit()
    response = post_form(admin_client, f"/pipeline/opportunities/{opp_id}/won/pledge",
                         {"amount": "9000", "pledged_on": "2026-11-01", "installments": 3, "frequency": "yearly",
                          "first_due": "2027-01-15", "fund": 0, "appeal": 0},
                         page=f"/pipeline/opportunities/{opp_id}/won")
    assert response.status_code == 303
    with app.app_context():
        pledge = db.session.scalar(db.select(Pledge))
        assert pledge.opportunity_id == opp_id and pledge.amount == Decimal("9000.00")
        assert [(i.due_on, i.amount) for i in pledge.installments] == [
            (date(2027, 1, 15), Decimal("3000.00")), (date(2028, 1, 15), Decimal("3000.00")),
            (date(2029, 1, 15), Decimal("3000.00"))]


def test_the_won_step_is_only_for_won_opportunities(app, admin_client):
    opp_id = make_opportunity(app)
    assert admin_client.get(f"/pipeline/opportunities/{opp_id}/won").status_code == 404
