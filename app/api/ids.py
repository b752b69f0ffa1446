"""Record ids in API paths and bodies: `<id:...>` in a rule.

The tables' id columns are INTEGER, 32 bits on PostgreSQL, so an id above
2**31 - 1 names no record; handed to PostgreSQL it is "integer out of range"
(a 500). The API's rules and schemas stop at ROW_ID_MAX: a wider id in a path
does not match (404), in a body or query it is a 422, and the OpenAPI
document says so, so clients and the fuzzer know the range."""

from __future__ import annotations

from app.ids import IdConverter

ROW_ID_MAX = 2**31 - 1


class RowIdConverter(IdConverter):
    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        super().__init__(map, *args, **kwargs)
        self.min = 0
        self.max = ROW_ID_MAX if self.max is None else min(self.max, ROW_ID_MAX)


def schema(_converter) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": ROW_ID_MAX}
