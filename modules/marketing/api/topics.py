"""Subscription topics: /topics. Anyone with marketing.view reads them;
marketing.admin adds and changes them, checked by the admin page's form."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.marketing import topics as service
from modules.marketing.models import TOPIC_KINDS, Topic

ADMIN = "marketing.admin"

blp = Blueprint("api_marketing_topics", __name__, description="Subscription topics people join and leave")


class TopicSchema(ma.Schema):
    class Meta:
        name = "Topic"

    id = f.Integer(dump_only=True)
    name = f.String(validate=v.Length(max=120), metadata={"description": "What people see (required)."})
    slug = f.String(dump_only=True, metadata={"description": "The topic's part of its sign-up address."})
    key = f.String(dump_only=True, metadata={"description": "The topic's name in the consent ledger."})
    description = f.String(validate=v.Length(max=2000))
    consent_wording = f.String(validate=v.Length(max=2000),
                               metadata={"description": "What people agree to; stored with each consent."})
    kind = f.String(validate=v.OneOf(list(TOPIC_KINDS)), metadata={"description": "Who can join."})
    on_preference_page = f.Boolean()
    archived = f.Boolean(metadata={"description": "true archives the topic (no sign-ups, off the preference "
                                                 "page; its subscriptions stay), false brings it back."})
    created_at = f.AwareDateTime(dump_only=True)


class TopicQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    archived = f.Boolean(load_default=None, metadata={"description": "true: archived topics only; false: "
                                                                     "live ones only; absent: all."})


TopicPage = lists.page_schema(TopicSchema, "TopicPage")
ALLOWED = set(TopicSchema().fields)


def show(topic: Topic) -> dict:
    return {"id": topic.id, "name": topic.name, "slug": topic.slug, "key": topic.key,
            "description": topic.description or "", "consent_wording": topic.consent_wording or "",
            "kind": topic.kind, "on_preference_page": bool(topic.on_preference_page),
            "archived": topic.archived_at is not None, "created_at": topic.created_at}


def load(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        problems.abort_with(404, "Not found", f"There is no topic {topic_id}.")
    return topic


def _checked(data: dict, topic: Topic | None) -> dict:
    """The values to save, checked by the admin page's topic form and its
    rule that two topics never share a name."""
    from modules.marketing.forms import TopicForm

    posted = MultiDict({"name": data.get("name") or "", "description": data.get("description") or "",
                        "consent_wording": data.get("consent_wording") or "",
                        "kind": data.get("kind") or "double_opt_in"})
    if data.get("on_preference_page", True):
        posted["on_preference_page"] = "y"
    form = TopicForm(formdata=posted, meta={"csrf": False})
    if not form.validate():
        problems.invalid({name: list(messages) for name, messages in form.errors.items()})
    if service.name_taken(form.name.data, topic):
        problems.invalid({"name": [f"There is already a topic named “{form.name.data}”."]})
    return {"name": form.name.data, "description": form.description.data or "",
            "consent_wording": form.consent_wording.data or "", "kind": form.kind.data,
            "on_preference_page": bool(form.on_preference_page.data)}


@blp.route("/topics")
@permission_required("marketing.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(TopicQuery, location="query", as_kwargs=False)
@blp.response(200, TopicPage)
def index(paging, query):
    """Topics, oldest first."""
    stmt = select(Topic)
    if query["archived"] is not None:
        stmt = stmt.where(Topic.archived_at.is_not(None) if query["archived"] else Topic.archived_at.is_(None))
    rows, cursor = lists.by_id(stmt, Topic.id, paging["after"], paging["limit"])
    return lists.envelope([show(t) for t in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/topics", methods=["POST"])
@permission_required(ADMIN)
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(TopicSchema, as_kwargs=False)
@blp.response(201, TopicSchema)
def create(body):
    topic, _ = service.save(None, _checked(body, None))
    if body.get("archived"):
        service.set_archived(topic, True)
    data = show(topic)
    return data, 201, {"Location": url_for("api_marketing_topics.read", topic_id=topic.id),
                       "ETag": writes.etag_of(data)}


@blp.route("/topics/<id:topic_id>")
@permission_required("marketing.view")
@blp.response(200, TopicSchema)
def read(topic_id: int):
    data = show(load(topic_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/topics/<id:topic_id>", methods=["PATCH"])
@permission_required(ADMIN)
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(TopicSchema(partial=True), as_kwargs=False)
@blp.response(200, TopicSchema)
def update(body, topic_id: int):
    topic = load(topic_id)
    writes.check_if_match(topic, show)
    service.save(topic, _checked({**show(topic), **body}, topic))
    if "archived" in body:
        service.set_archived(topic, body["archived"])
    data = show(topic)
    return data, 200, {"ETag": writes.etag_of(data)}
