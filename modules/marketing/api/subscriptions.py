"""A contact's subscriptions: /contacts/{id}/subscriptions. Read with
marketing.view; subscribe or unsubscribe with marketing.edit, as on the
contact page, through subscriptions.change so the consent ledger records
the change with source "api" and the token's user."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from sqlalchemy import select

from app.api import problems, writes
from app.extensions import db
from app.permissions import permission_required
from modules.contacts.api import shown
from modules.contacts.api.schemas import ID
from modules.marketing import subscriptions
from modules.marketing.models import Subscription, Topic

API = "api"  # the consent ledger's source for changes made through the API

blp = Blueprint("api_marketing_subscriptions", __name__, description="A contact's subscriptions to topics")


class SubscriptionSchema(ma.Schema):
    class Meta:
        name = "Subscription"

    topic_id = f.Integer(dump_only=True)
    topic_name = f.String(dump_only=True)
    status = f.String(dump_only=True, metadata={"description": "subscribed or unsubscribed"})
    source = f.String(dump_only=True, metadata={"description": "What made the latest change: staff, "
                                                              "sign-up form, preference page, api..."})
    changed_at = f.AwareDateTime(dump_only=True, allow_none=True)


class SubscriptionList(ma.Schema):
    data = f.List(f.Nested(SubscriptionSchema), required=True)


class ChangeSchema(ma.Schema):
    class Meta:
        name = "SubscriptionChange"

    topic_id = f.Integer(required=True, strict=True, validate=ID)
    subscribed = f.Boolean(required=True, metadata={"description": "true subscribes, false unsubscribes."})


class ChangedSchema(SubscriptionSchema):
    class Meta:
        name = "SubscriptionChanged"

    changed = f.Boolean(dump_only=True, metadata={"description": "false: it was in that state already "
                                                               "(nothing is written to the ledger)."})


def _contact(contact_id: int):
    contact = shown.load(contact_id)
    if contact is None:
        problems.abort_with(404, "Not found", f"There is no contact {contact_id}.")
    return contact


def _show(row: Subscription, topic: Topic) -> dict:
    return {"topic_id": topic.id, "topic_name": topic.name, "status": row.status, "source": row.source,
            "changed_at": row.changed_at}


@blp.route("/contacts/<id:contact_id>/subscriptions")
@permission_required("marketing.view")
@blp.response(200, SubscriptionList)
def index(contact_id: int):
    """Every topic the contact has been subscribed to, and its state now."""
    contact = _contact(contact_id)
    rows = db.session.execute(select(Subscription, Topic).join(Topic, Topic.id == Subscription.topic_id)
                              .where(Subscription.contact_id == contact.id).order_by(Topic.id))
    return {"data": [_show(row, topic) for row, topic in rows]}


@blp.route("/contacts/<id:contact_id>/subscriptions", methods=["POST"])
@permission_required("marketing.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(ChangeSchema, as_kwargs=False)
@blp.response(200, ChangedSchema)
def change(body, contact_id: int):
    """Subscribe or unsubscribe: the state asked for, so a retry changes nothing."""
    contact = _contact(contact_id)
    topic = db.session.get(Topic, body["topic_id"])
    if topic is None:
        problems.invalid({"topic_id": [f"There is no topic {body['topic_id']}."]})
    if body["subscribed"] and topic.archived_at is not None:
        problems.invalid({"topic_id": [f"“{topic.name}” is archived: nobody can join it now."]})
    user = current_user._get_current_object()
    changed = subscriptions.change(contact, topic, body["subscribed"], subscriptions.Origin(API, user=user))
    row = db.session.scalar(select(Subscription).where(Subscription.contact_id == contact.id,
                                                       Subscription.topic_id == topic.id))
    if row is None:  # unsubscribing from a topic never joined
        return {"topic_id": topic.id, "topic_name": topic.name, "status": "unsubscribed", "source": "",
                "changed_at": None, "changed": False}
    return {**_show(row, topic), "changed": changed}
