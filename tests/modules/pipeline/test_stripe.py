"""Online donations from Stripe's webhooks: each signed event applied
once, to the donor matched or created by email, with fund, appeal and
currency from the metadata; subscriptions become recurring gifts; refunds
bring a gift down or remove it. Every case counts what was recorded."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import settings
from app.extensions import db
from app.models import AuditEntry
from modules.contacts.models import Contact, ContactEmail
from modules.contacts.people import records
from modules.contacts.people.records import Details
from modules.pipeline.models import Appeal, Fund, Gift, RecurringGift
from modules.pipeline.stripe.models import StripeEvent
from tests.conftest import login, make_user, post_form
from tests.modules.pipeline import stripe_events as se


@pytest.fixture(autouse=True)
def set_up(app):
    make_user(app)
    with app.app_context():
        settings.put("pipeline", {"stripe_signing_secret": se.SECRET})
        db.session.add_all([Fund(name="Building fund", code="BLD"), Appeal(name="Spring appeal", code="SPR26")])
        db.session.commit()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def gifts() -> list[tuple]:
    return db.session.execute(select(Gift.contact_id, Gift.amount, Gift.currency, Gift.fund_id, Gift.appeal_id,
                                     Gift.recurring_id, Gift.reference).order_by(Gift.id)).all()


def test_a_paid_checkout_becomes_one_gift_on_a_new_donor_and_a_redelivery_changes_nothing(app, client):
    payload = se.event("checkout.session.completed",
                       se.checkout_paid(metadata={"fund": "building fund", "appeal": "SPR26"}))
    first = se.post(client, payload)
    assert first.status_code == 200 and b"recorded for a new contact" in first.data
    again = se.post(client, payload)
    assert again.status_code == 200 and again.data == b"already processed\n"
    with app.app_context():
        donor = db.session.scalar(select(Contact).join(ContactEmail).where(ContactEmail.email == "grace@example.org"))
        fund = db.session.scalar(select(Fund.id).where(Fund.code == "BLD"))
        appeal = db.session.scalar(select(Appeal.id).where(Appeal.code == "SPR26"))
        assert (donor.first_name, donor.last_name) == ("Grace", "Hopper")
        assert gifts() == [(donor.id, Decimal("25.00"), "GBP", fund, appeal, None, "stripe:pi_3PaidOnce")]
        assert count(StripeEvent) == 1 and count(Contact) == 1


def test_an_existing_contact_is_matched_by_email_in_any_case(app, client):
    with app.app_context():
        known = records.create("person", {"first_name": "Grace", "last_name": "Brewster"},
                               Details(emails=[{"email": "Grace@Example.org", "label": "", "is_primary": True}]))
        db.session.commit()
        known_id = known.id
    assert se.post(client, se.event("checkout.session.completed", se.checkout_paid())).status_code == 200
    with app.app_context():
        assert count(Contact) == 1 and gifts()[0][0] == known_id


def test_the_same_payment_in_two_events_is_one_gift(app, client):
    """An async payment: completed (unpaid, nothing recorded), then succeeded; a stray copy of it later."""
    unpaid = se.checkout_paid(payment_intent="pi_3Async", status="unpaid")
    assert b"waiting" in se.post(client, se.event("checkout.session.completed", unpaid)).data
    paid = {**unpaid, "payment_status": "paid"}
    assert b"recorded" in se.post(client, se.event("checkout.session.async_payment_succeeded", paid)).data
    assert b"already recorded" in se.post(client, se.event("checkout.session.async_payment_succeeded", paid)).data
    with app.app_context():
        assert count(Gift) == 1 and count(StripeEvent) == 3


def test_unknown_fund_is_said_and_the_gift_still_recorded_without_it(app, client):
    answer = se.post(client, se.event("checkout.session.completed",
                                      se.checkout_paid(metadata={"fund": "Roof repairs"})))
    assert b"fund \xe2\x80\x9cRoof repairs\xe2\x80\x9d not found" in answer.data
    with app.app_context():
        assert count(Gift) == 1 and gifts()[0][3] is None
        assert "Roof repairs" in db.session.scalar(select(StripeEvent.outcome))


def test_the_default_fund_serves_when_the_metadata_names_none(app, client):
    with app.app_context():
        settings.put("pipeline", {"stripe_default_fund": "Building fund"})
        db.session.commit()
    se.post(client, se.event("checkout.session.completed", se.checkout_paid()))
    with app.app_context():
        assert gifts()[0][3] == db.session.scalar(select(Fund.id).where(Fund.code == "BLD"))


@pytest.mark.parametrize(("currency", "minor", "expected"), [("jpy", 5000, "5000.00"), ("usd", 1999, "19.99"),
                                                             ("kwd", 10500, "10.50")])
def test_amounts_follow_stripes_smallest_unit_per_currency(app, client, currency, minor, expected):
    se.post(client, se.event("checkout.session.completed", se.checkout_paid(amount=minor, currency=currency)))
    with app.app_context():
        assert gifts()[0][1:3] == (Decimal(expected), currency.upper())


def test_an_unknown_currency_is_logged_not_retried_and_records_nothing(app, client):
    answer = se.post(client, se.event("checkout.session.completed", se.checkout_paid(currency="xyz")))
    assert answer.status_code == 200 and b"not recorded: unknown currency" in answer.data
    with app.app_context():
        assert count(Gift) == 0 and count(StripeEvent) == 1


@pytest.mark.parametrize("case", ["forged", "stale", "no header", "garbled"])
def test_unsigned_forged_or_stale_events_are_refused_and_change_nothing(app, client, case):
    payload = se.event("checkout.session.completed", se.checkout_paid())
    answer = {"forged": lambda: se.post(client, payload, secret="whsec_someoneelse0123456789abcdef"),
              "stale": lambda: se.post(client, payload, timestamp=1_700_000_000),
              "no header": lambda: se.post(client, payload, header=""),
              "garbled": lambda: se.post(client, payload, header="t=abc,v0=zz")}[case]()
    assert answer.status_code == 400 and answer.data.startswith(b"refused")
    with app.app_context():
        assert count(Gift) == 0 and count(StripeEvent) == 0 and count(Contact) == 0


def test_nothing_is_accepted_until_a_secret_is_set(app, client):
    with app.app_context():
        settings.put("pipeline", {"stripe_signing_secret": ""})
        db.session.commit()
    answer = se.post(client, se.event("checkout.session.completed", se.checkout_paid()))
    assert answer.status_code == 400 and b"no Stripe signing secret" in answer.data


def test_a_subscription_is_one_recurring_gift_and_each_paid_invoice_an_installment(app, client):
    metadata = {"fund": "BLD"}
    se.post(client, se.event("checkout.session.completed", se.checkout_subscription(metadata=metadata)))
    se.post(client, se.event("invoice.paid", se.invoice_paid("in_1", payment_intent="pi_3One", metadata=metadata)))
    se.post(client, se.event("invoice.paid", se.invoice_paid("in_2", payment_intent="pi_3Two", metadata=metadata,
                                                             newer_shape=True)))
    with app.app_context():
        rg = db.session.scalar(select(RecurringGift))
        assert count(RecurringGift) == 1 and (rg.amount, rg.currency, rg.frequency) == (Decimal("10.00"), "EUR",
                                                                                         "monthly")
        assert rg.reference == "stripe:sub_1Monthly" and rg.fund_id is not None
        assert [(g[1], g[5], g[3]) for g in gifts()] == [(Decimal("10.00"), rg.id, rg.fund_id)] * 2
    se.post(client, se.event("customer.subscription.deleted", se.subscription_deleted()))
    with app.app_context():
        assert db.session.scalar(select(RecurringGift.status)) == "ended"


def test_an_invoice_before_its_checkout_event_sets_up_the_recurring_gift_once(app, client):
    """Stripe does not promise order: the installment may come first."""
    se.post(client, se.event("invoice.paid", se.invoice_paid(interval="month", count=3)))
    se.post(client, se.event("checkout.session.completed", se.checkout_subscription()))
    with app.app_context():
        assert count(RecurringGift) == 1 and count(Gift) == 1 and count(Contact) == 1
        assert db.session.scalar(select(RecurringGift.frequency)) == "quarterly"


def test_refunds_bring_the_gift_down_then_remove_it_each_applied_once(app, client):
    se.post(client, se.event("checkout.session.completed", se.checkout_paid(amount=2500)))
    part = se.event("charge.refunded", se.charge_refunded(refunded=1000))
    assert b"reduced by" in se.post(client, part).data
    assert se.post(client, part).data == b"already processed\n"
    # Stripe's running total, in a later event that repeats it: nothing more to take off.
    assert b"already applied" in se.post(client, se.event("charge.refunded", se.charge_refunded(refunded=1000))).data
    with app.app_context():
        assert gifts()[0][1] == Decimal("15.00")
    assert b"refunded in full and removed" in se.post(
        client, se.event("charge.refunded", se.charge_refunded(refunded=2500))).data
    with app.app_context():
        assert count(Gift) == 0
        assert count(AuditEntry, AuditEntry.summary.like("Refunded in full in Stripe%")) == 1


def test_a_refund_of_a_payment_never_recorded_is_ignored(app, client):
    answer = se.post(client, se.event("charge.refunded", se.charge_refunded(payment_intent="pi_3Elsewhere")))
    assert b"ignored" in answer.data
    with app.app_context():
        assert count(StripeEvent) == 1


def test_the_previous_secret_is_accepted_while_rolling_over(app, client):
    with app.app_context():
        settings.put("pipeline", {"stripe_signing_secret": "whsec_newsecret0123456789abcdef",
                                  "stripe_previous_secret": se.SECRET})
        db.session.commit()
    assert se.post(client, se.event("checkout.session.completed", se.checkout_paid())).status_code == 200
    assert se.post(client, se.event("checkout.session.completed", se.checkout_paid(payment_intent="pi_3New")),
                   secret="whsec_newsecret0123456789abcdef").status_code == 200
    with app.app_context():
        assert count(Gift) == 2


def test_the_same_event_delivered_twice_at_once_is_one_gift(app):
    """Stripe retries while the first delivery is still running: the event id's unique row decides."""
    payload = se.event("checkout.session.completed", se.checkout_paid(payment_intent="pi_3Race"))
    answers, start = [], threading.Barrier(4)

    def deliver():
        with app.test_client() as c:
            start.wait()
            answers.append(se.post(c, payload).data)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with app.app_context():
        assert count(Gift) == 1 and count(StripeEvent) == 1
    assert sum(a.startswith(b"gift #") for a in answers) == 1


def test_admin_sets_and_rolls_the_secret_which_the_page_never_shows_back(app, client):
    admin_client = client
    login(client)
    url = "/pipeline/admin/online-donations"
    page = admin_client.get(url)
    assert page.status_code == 200 and se.SECRET.encode() not in page.data
    assert "ending <code>whsec_…0123</code>".encode() in page.data and b"/pipeline/stripe/webhook" in page.data
    bad = post_form(admin_client, url, {"signing_secret": "sk_live_oops", "default_fund": ""})
    assert bad.status_code == 422 and b"starts with whsec_" in bad.data
    new = "whsec_rolled0123456789abcdefXYZW"
    saved = post_form(admin_client, url, {"signing_secret": new, "default_fund": "Building fund"},
                      follow_redirects=True)
    assert b"the previous one is still accepted" in saved.data and new.encode() not in saved.data
    with app.app_context():
        stored = settings.get_all("pipeline")
        assert (stored["stripe_signing_secret"], stored["stripe_previous_secret"],
                stored["stripe_default_fund"]) == (new, se.SECRET, "Building fund")
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.summary == "Changed the online donation settings"))
        assert se.SECRET not in str(entry.changes) and new not in str(entry.changes)
    post_form(admin_client, url, {"signing_secret": "", "forget_previous": "y", "default_fund": "Building fund"})
    with app.app_context():
        assert settings.get("pipeline", "stripe_previous_secret") == ""
        assert settings.get("pipeline", "stripe_signing_secret") == new
