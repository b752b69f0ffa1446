"""Segments (read): /segments, /segments/{id}, /segments/{id}/members, and
the filter criteria lists and segments are written in: /contacts/filters."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from sqlalchemy import select

from app.api import lists, problems
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.contacts.api.contact_resource import specs
from modules.contacts.api.schemas import FilterSpecShown
from modules.contacts.lists import queries, segments
from modules.contacts.models import Contact, Segment

blp = Blueprint("api_segments", __name__, description="Saved segments and their members (read only)")


class SegmentShown(ma.Schema):
    class Meta:
        name = "Segment"

    id = f.Integer(required=True)
    name = f.String(required=True)
    description = f.String(required=True)
    shared = f.Boolean(required=True)
    owner_id = f.Integer(allow_none=True, required=True)
    q = f.String(required=True, metadata={"description": "Its quick search."})
    f_ = f.List(f.String(), data_key="f", required=True, metadata={"description": "Its rules, KEY:OP:VALUE."})
    match = f.String(required=True)
    created_at = f.AwareDateTime(required=True)
    updated_at = f.AwareDateTime(required=True)


class Member(ma.Schema):
    """A contact in a segment, of any kind; read it whole at /contacts,
    /households or /organisations."""

    id = f.Integer(required=True)
    kind = f.String(required=True)
    display_name = f.String(required=True)
    email = f.String(allow_none=True, required=True)
    phone = f.String(allow_none=True, required=True)
    city = f.String(allow_none=True, required=True)
    postcode = f.String(allow_none=True, required=True)
    country = f.String(allow_none=True, required=True)


SegmentPage = lists.page_schema(SegmentShown, "SegmentPage")
MemberPage = lists.page_schema(Member, "MemberPage")
SEGMENT_FIELDS = {"id", "name", "description", "shared", "owner_id", "q", "f", "match", "created_at", "updated_at"}
MEMBER_FIELDS = set(Member().fields)


def show(segment: Segment) -> dict:
    saved = segment.filters or {}
    return {"id": segment.id, "name": segment.name, "description": segment.description or "",
            "shared": bool(segment.shared), "owner_id": segment.owner_id, "q": saved.get("q") or "",
            "f_": list(saved.get("f") or []), "match": saved.get("match") or "all",
            "created_at": segment.created_at, "updated_at": segment.updated_at}


def _segment(segment_id: int) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None or not segments.may_see(segment, current_user):
        problems.abort_with(404, "Not found", f"There is no segment {segment_id} you may see.")
    return segment


@blp.route("/segments")
@permission_required("contacts.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.response(200, SegmentPage)
def index(paging):
    """The shared segments and the token user's own."""
    stmt = segments.visible(current_user).order_by(None)
    rows, cursor = lists.by_id(stmt, Segment.id, paging["after"], paging["limit"])
    items = [show(s) for s in rows]
    chosen = lists.wanted_fields(paging["fields"], SEGMENT_FIELDS)
    if chosen is not None:
        items = [{k: v for k, v in item.items() if (k.rstrip("_") if k == "f_" else k) in chosen} for item in items]
    return {"data": items, "links": {"next": lists.next_link(cursor)}}


@blp.route("/segments/<id:segment_id>")
@permission_required("contacts.view")
@blp.response(200, SegmentShown)
def read(segment_id: int):
    return show(_segment(segment_id))


@blp.route("/segments/<id:segment_id>/members")
@permission_required("contacts.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.response(200, MemberPage)
def members(paging, segment_id: int):
    """The live contacts in the segment now, by name (the segment's rules,
    evaluated afresh; "me" means its owner)."""
    segment = _segment(segment_id)
    lists.wanted_fields(paging["fields"], MEMBER_FIELDS)
    lists.check_cursor(paging["after"])
    lq = segments.resolve_me(segments.list_query(segment, specs()), segment.owner_id)
    columns = (Contact.id, Contact.kind, Contact.display_name, Contact.email, Contact.phone, Contact.city,
               Contact.postcode, Contact.country, Contact.sort_name, Contact.created_at, Contact.updated_at)
    stmt = select(*columns).where(*queries.conditions(lq, specs()))
    page = queries.page(stmt, lq, after=paging["after"], per_page=paging["limit"], restart=False)
    items = [{name: getattr(row, name) for name in MEMBER_FIELDS} for row in page.items]
    return lists.envelope(items, page.next_cursor, paging["fields"], MEMBER_FIELDS)


@blp.route("/contacts/filters")
@permission_required("contacts.view")
@blp.response(200, FilterSpecShown(many=True))
def filters():
    """The criteria `f=KEY:OP:VALUE` takes on /contacts, /households and
    /organisations, as the list page's filter builder offers them (custom
    fields included; modules add theirs)."""
    return [{"key": s.key, "label": s.label, "ops": dict(s.ops), "input": s.input, "group": s.group}
            for s in specs().values()]
