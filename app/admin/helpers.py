"""Helpers the admin pages share: keyset pagination and dates in the
organisation's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import request, url_for
from markupsafe import Markup, escape

from app import settings
from app.admin import bp
from app.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list
    next_url: str | None
    prev_url: str | None
    next_label: str
    prev_label: str


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _url(**cursor) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("after", "before") and v != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)


def keyset(stmt, column, *, newest_first: bool, per_page: int = PER_PAGE) -> Page:
    """One page of `stmt` ordered by the unique `column`, after `?after=` or
    before `?before=` (ids). Never OFFSET, never COUNT: one query for the
    rows (plus one row to see if there is more) and one to see what lies behind."""
    forward_param, back_param = ("before", "after") if newest_first else ("after", "before")

    def past(cursor, forward: bool):
        return column < cursor if forward == newest_first else column > cursor

    def order(forward: bool):
        return column.desc() if forward == newest_first else column.asc()

    def exists(condition) -> bool:
        return db.session.execute(stmt.where(condition).with_only_columns(column).limit(1)).first() is not None

    back_cursor, forward_cursor = _cursor(back_param), _cursor(forward_param)
    if back_cursor is not None and forward_cursor is None:
        rows = db.session.scalars(stmt.where(past(back_cursor, False)).order_by(order(False))
                                  .limit(per_page + 1)).unique().all()
        more_back = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_forward = bool(rows) and exists(past(getattr(rows[-1], column.key), True))
    else:
        query = stmt if forward_cursor is None else stmt.where(past(forward_cursor, True))
        rows = db.session.scalars(query.order_by(order(True)).limit(per_page + 1)).unique().all()
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


def org_zone() -> ZoneInfo:
    try:
        return ZoneInfo(settings.get("core", "timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(day: date) -> datetime:
    """Midnight of `day` in the organisation's timezone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=org_zone())


def when(value: datetime | None, empty: str = "—") -> Markup:
    """A <time> element showing `value` in the organisation's timezone."""
    if value is None:
        return escape(empty)
    local = value.astimezone(org_zone())
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), local.strftime("%d %b %Y %H:%M ") + (local.tzname() or ""))


def prefix_like(column, text: str):
    """`column LIKE 'text%'` with the wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


@bp.context_processor
def _admin_globals():
    return {"when": when}
