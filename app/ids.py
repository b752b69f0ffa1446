"""Record ids from addresses, query strings and forms.

Every id column is a 64-bit signed integer (SQLite's INTEGER, PostgreSQL's
BIGINT or smaller), so a wider number can name no record; handed to the
database it raises OverflowError instead (a 500). One rule for all of them:
an id is written in ASCII digits and lies between 0 and MAX_ID.

- In a path, `<int:...>` is `IdConverter` (registered by `register`): a
  larger number does not match the rule, so the address is simply not found.
- In a query string or form, `parse_id` gives the id or None, and `as_id`
  raises ValueError, for `request.args.get(name, type=as_id)` and for
  filter criteria, whose ValueError becomes "this rule is ignored".
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id written in `value` (surrounding spaces allowed), or None when
    it is not one: empty, signed, not ASCII digits ("²" and "١" pass
    str.isdigit), or wider than the database holds."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def as_id(value) -> int:
    """`parse_id` that raises ValueError: werkzeug's `type=` turns it into the default."""
    number = parse_id(value)
    if number is None:
        raise ValueError(f"not a record id: {str(value)[:40]!r}")
    return number


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only numbers a 64-bit id column can hold."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        super().__init__(map, *args, **kwargs)
        self.max = MAX_ID if self.max is None else min(self.max, MAX_ID)
        self.min = -MAX_ID - 1 if self.min is None else max(self.min, -MAX_ID - 1)


def register(app) -> None:
    """Make `<int:...>` in every rule added from now on an `IdConverter`."""
    app.url_map.converters["int"] = IdConverter
