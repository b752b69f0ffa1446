"""Keyset pagination for lists, and a literal prefix match."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from app.extensions import db
from app.ids import parse_id

PER_PAGE = 50


@dataclass
class Page:
    items: list
    next_url: str | None
    prev_url: str | None
    next_label: str
    prev_label: str


def _cursor(name: str) -> int | None:
    return parse_id(request.args.get(name))


def _url(**cursor) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("after", "before") and v != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)


def keyset(stmt, column, *, newest_first: bool, per_page: int = PER_PAGE) -> Page:
    """One page of `stmt` ordered by the unique `column`, after `?after=` or
    before `?before=` (ids). Never OFFSET, never COUNT: one query for the
    ids (plus one to see if there is more), one for their rows and one to see
    what lies behind."""
    forward_param, back_param = ("before", "after") if newest_first else ("after", "before")

    def past(cursor, forward: bool):
        return column < cursor if forward == newest_first else column > cursor

    def order(forward: bool):
        return column.desc() if forward == newest_first else column.asc()

    def exists(condition) -> bool:
        return db.session.execute(stmt.where(condition).with_only_columns(column).limit(1)).first() is not None

    def fetch(query, forward: bool) -> list:
        """The page's ids first, then their rows: the database sorts and
        skips ids it can read from an index, not whole rows (a queue of
        500,000 tickets sorted whole rows in 0.7 s to show 50)."""
        ids = list(dict.fromkeys(db.session.scalars(query.with_only_columns(column).order_by(order(forward))
                                                    .limit(per_page + 1))))
        if not ids:
            return []
        found = {getattr(row, column.key): row for row in db.session.scalars(stmt.where(column.in_(ids))).unique()}
        return [found[i] for i in ids if i in found]

    back_cursor, forward_cursor = _cursor(back_param), _cursor(forward_param)
    if back_cursor is not None and forward_cursor is None:
        rows = fetch(stmt.where(past(back_cursor, False)), False)
        more_back = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_forward = bool(rows) and exists(past(getattr(rows[-1], column.key), True))
    else:
        query = stmt if forward_cursor is None else stmt.where(past(forward_cursor, True))
        rows = fetch(query, True)
        more_forward = len(rows) > per_page
        rows = list(rows[:per_page])
        more_back = forward_cursor is not None and bool(rows) and exists(
            past(getattr(rows[0], column.key), False))
    first, last = (getattr(rows[0], column.key), getattr(rows[-1], column.key)) if rows else (None, None)
    return Page(
        items=rows,
        next_url=_url(**{forward_param: last}) if more_forward else None,
        prev_url=_url(**{back_param: first}) if more_back else None,
        next_label="Older" if newest_first else "Next",
        prev_label="Newer" if newest_first else "Previous",
    )


def prefix_like(column, text: str):
    """`column LIKE 'text%'` with the wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")
