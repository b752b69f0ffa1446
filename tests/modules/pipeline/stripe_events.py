"""Stripe events as Stripe sends them (the shapes of its API reference),
signed with the test's secret: the tests build payloads, nothing is fetched."""

from __future__ import annotations

import itertools
import json
import time

from modules.pipeline.stripe.signature import sign

SECRET = "whsec_test0123456789abcdefABCDEF0123"
_ids = itertools.count(1)


def event(kind: str, obj: dict, *, event_id: str | None = None, created: int = 1_780_000_000) -> dict:
    return {"id": event_id or f"evt_1Test{next(_ids):08d}", "object": "event", "api_version": "2024-06-20",
            "created": created, "livemode": False, "pending_webhooks": 1, "type": kind,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


def checkout_paid(email="grace@example.org", name="Grace Hopper", amount=2500, currency="gbp",
                  payment_intent="pi_3PaidOnce", metadata=None, status="paid") -> dict:
    return {"id": "cs_test_a1" + payment_intent[-6:], "object": "checkout.session", "mode": "payment",
            "amount_total": amount, "currency": currency, "customer": "cus_QxYz",
            "customer_details": {"email": email, "name": name, "address": {"country": "GB"}},
            "payment_intent": payment_intent, "payment_status": status, "status": "complete",
            "subscription": None, "metadata": metadata or {}}


def checkout_subscription(email="ada@example.org", name="Ada Lovelace", amount=1000, currency="eur",
                          subscription="sub_1Monthly", metadata=None) -> dict:
    return {"id": "cs_test_sub" + subscription[-4:], "object": "checkout.session", "mode": "subscription",
            "amount_total": amount, "currency": currency, "customer": "cus_Sub1",
            "customer_details": {"email": email, "name": name}, "payment_intent": None,
            "payment_status": "paid", "status": "complete", "subscription": subscription,
            "metadata": metadata or {}}


def invoice_paid(invoice_id="in_1First", subscription="sub_1Monthly", amount=1000, currency="eur",
                 payment_intent="pi_3Inv1", email="ada@example.org", name="Ada Lovelace", interval="month",
                 count=1, newer_shape=False, metadata=None) -> dict:
    invoice = {"id": invoice_id, "object": "invoice", "customer": "cus_Sub1", "customer_email": email,
               "customer_name": name, "amount_paid": amount, "currency": currency, "status": "paid",
               "billing_reason": "subscription_cycle",
               "lines": {"object": "list", "data": [{"object": "line_item", "amount": amount,
                                                     "price": {"recurring": {"interval": interval,
                                                                             "interval_count": count}}}]}}
    if newer_shape:  # API versions from 2025-03-31: subscription under parent, payments listed
        invoice["parent"] = {"type": "subscription_details", "subscription_details": {
            "subscription": subscription, "metadata": metadata or {}}}
        invoice["payments"] = {"object": "list", "data": [{"payment": {"type": "payment_intent",
                                                                        "payment_intent": payment_intent}}]}
    else:
        invoice.update(subscription=subscription, payment_intent=payment_intent, charge="ch_" + payment_intent[3:],
                       subscription_details={"metadata": metadata or {}})
    return invoice


def charge_refunded(payment_intent="pi_3PaidOnce", amount=2500, refunded=2500, currency="gbp") -> dict:
    return {"id": "ch_" + payment_intent[3:], "object": "charge", "amount": amount, "amount_refunded": refunded,
            "currency": currency, "payment_intent": payment_intent, "refunded": refunded >= amount,
            "status": "succeeded"}


def subscription_deleted(subscription="sub_1Monthly") -> dict:
    return {"id": subscription, "object": "subscription", "status": "canceled", "canceled_at": 1_780_100_000}


def post(client, payload: dict, *, secret: str = SECRET, timestamp: int | None = None, header: str | None = None):
    body = json.dumps(payload).encode()
    stamp = int(time.time()) if timestamp is None else timestamp
    signature = header if header is not None else f"t={stamp},v1={sign(body, secret, stamp)}"
    return client.post("/pipeline/stripe/webhook", data=body,
                       headers={"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature})
