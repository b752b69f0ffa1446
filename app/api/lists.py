"""Lists in the API: one envelope (`data`, `links.next`), keyset cursors
(never OFFSET), `limit`, sparse `fields=`."""

from __future__ import annotations

import marshmallow as ma
from flask import request

from app.api import problems
from app.api.ids import ROW_ID_MAX
from app.links import external_url

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ListArgs(ma.Schema):
    """The query parameters every list takes."""

    class Meta:
        unknown = ma.EXCLUDE

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"Items per page, 1 to {MAX_LIMIT}."})
    after = ma.fields.String(load_default=None, validate=ma.validate.Length(max=400),
                             metadata={"description": "The cursor from the previous page's `links.next`."})
    fields = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000),
                              metadata={"description": "Sparse fields: a comma-separated list of the "
                                                       "fields to send (`id` always comes)."})


class Links(ma.Schema):
    next = ma.fields.String(allow_none=True, required=True,
                            metadata={"description": "The next page, or null on the last one."})


def page_schema(item_schema, name: str):
    """The envelope schema of a list of `item_schema`."""
    return ma.Schema.from_dict({"data": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                                "links": ma.fields.Nested(Links, required=True)}, name=name)


def next_link(cursor) -> str | None:
    """The absolute URL of the page after `cursor` (same filters and fields), on
    BASE_URL: never built from the request's Host header."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.lists() if k != "after"}
    return external_url(request.endpoint, **(request.view_args or {}), **args, after=str(cursor))


def envelope(items: list[dict], cursor, fields: str | None, allowed) -> dict:
    chosen = wanted_fields(fields, allowed)
    if chosen is not None:
        items = [{k: v for k, v in item.items() if k in chosen} for item in items]
    return {"data": items, "links": {"next": next_link(cursor)}}


def wanted_fields(fields: str | None, allowed) -> set[str] | None:
    """The fields asked for, or None for all; unknown names are a 422 naming them."""
    if not fields:
        return None
    names = {f.strip() for f in fields.split(",") if f.strip()}
    unknown = sorted(names - set(allowed))
    if unknown:
        problems.invalid_query({"fields": [f"Unknown field(s): {', '.join(unknown)[:200]}. "
                                     f"Choose from: {', '.join(sorted(allowed))}."]})
    return names | {"id"}


def sparse_one(item: dict, fields: str | None, allowed) -> dict:
    chosen = wanted_fields(fields, allowed)
    return item if chosen is None else {k: v for k, v in item.items() if k in chosen}


def check_cursor(after: str | None) -> None:
    """A keyset cursor `ID:VALUE` whose id no row can have is a 422 (PostgreSQL's
    INTEGER would refuse to compare it)."""
    from app.ids import parse_id

    if after and ":" in after:
        ident = parse_id(after.partition(":")[0])
        if ident is not None and ident > ROW_ID_MAX:
            problems.invalid_query({"after": ["Not a cursor from links.next."]})


def by_id(stmt, column, after: str | None, limit: int):
    """A page of `stmt` in `column` (a unique id) order after the cursor:
    (rows, the next cursor or None). One query; never OFFSET."""
    from app.extensions import db
    from app.ids import parse_id

    if after is not None:
        cursor = parse_id(after)
        if cursor is None or cursor > ROW_ID_MAX:
            problems.invalid_query({"after": ["Not a cursor from links.next."]})
        stmt = stmt.where(column > cursor)
    rows = db.session.scalars(stmt.order_by(column).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (getattr(rows[-1], column.key) if more and rows else None)
