"""How big a value is about to be, found before it is built: the text of a
list, `%` formatting, a str.format field, a join, a replace, an indent.
Those given a limit raise it (errors.py) as soon as they pass it; the
others answer, for the guard to check. None builds more than a small
multiple of its inputs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from markupsafe import escape

from app.templating import errors

_CONTAINERS = (list, tuple, set, frozenset, dict)


def text_size(value, limit: int) -> int:
    """The length str(value) has; a list's is added up item by item and
    given up as soon as it passes `limit` (then text_too_long)."""
    if isinstance(value, str):
        size = len(value)
    elif isinstance(value, _CONTAINERS):
        size = _repr_size(value, limit, limit)
    else:
        size = len(str(value))
    if size > limit:
        raise errors.text_too_long(limit)
    return size


def _repr_size(value, room: int, limit: int) -> int:
    if isinstance(value, str):
        if len(value) > room:
            raise errors.text_too_long(limit)
        return len(repr(value))  # at most a few times `room`
    if not isinstance(value, _CONTAINERS):
        return len(repr(value))
    items = value.items() if isinstance(value, dict) else ((item,) for item in value)
    size = 2
    for parts in items:
        for part in parts:
            size += _repr_size(part, room - size, limit) + 2
            if size > room:
                raise errors.text_too_long(limit)
    return size


def _number(text: str, limit: int) -> int:
    if len(text) > len(str(limit)) or int(text) > limit:
        raise errors.text_too_long(limit)
    return int(text)


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?"
                      r"[hlL]?(?P<kind>.)", re.S)
_NUMBER_SIZE = 330  # a float written out in full: up to 309 digits, its sign and point


def percent_size(template: str, args, limit: int) -> int:
    """The most `template % args` can come to."""
    mapping = args if isinstance(args, Mapping) else None
    positional = args if isinstance(args, tuple) else (args,)
    size, index = len(template), 0
    for spec in _PERCENT.finditer(template):
        if spec["kind"] == "%":
            continue
        if "*" in (spec["width"], spec["precision"]):
            raise errors.TemplateProblem("A width or precision given as * in % formatting is not allowed.")
        if spec["key"] is not None and mapping is not None:
            value = mapping.get(spec["key"])
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        width = _number(spec["width"] or "0", limit)
        precision = _number(spec["precision"] or "0", limit)
        if spec["kind"] == "s":
            written = text_size(value, limit)
        elif spec["kind"] in "ra":
            written = 10 * text_size(value, limit) + 2  # escapes make a repr up to ten times as long
        elif isinstance(value, int):
            written = len(str(value)) + precision
        else:
            written = _NUMBER_SIZE + precision
        size += max(width, written)
        if size > limit:
            raise errors.text_too_long(limit)
    return size


def check_format_field(value, spec: str, limit: int) -> None:
    """A str.format field: its width and precision, and what it writes."""
    for number in re.findall(r"\d+", spec):
        _number(number, limit)
    text_size(value, limit)
    if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > limit:
        raise errors.text_too_long(limit)  # "{:f}" writes every digit of a Decimal's exponent


def join_size(separator, items: list, limit: int) -> int:
    size = text_size(separator, limit) * max(len(items) - 1, 0)
    for item in items:
        size += text_size(item, limit)
        if size > limit:
            raise errors.text_too_long(limit)
    return size


def replace_size(text: str, old, new, count=None) -> int:
    """The most text.replace(old, new, count) can come to, escaped or not."""
    old, new = str(old), str(escape(new))
    found = len(text) + 1 if not old else max(text.count(old), text.count(str(escape(old))))
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * len(new)


def indent_size(text: str, width) -> int:
    """What Jinja's indent filter can make of `text` with `width`."""
    indent = len(width) if isinstance(width, str) else width
    lines = len(text.splitlines()) + 1
    return len(text) + 1 + lines * (indent + 1) + indent


def pad_size(text: str, width) -> int:
    """center, ljust, rjust and zfill: as wide as `width` asks."""
    return max(len(text), width) if isinstance(width, int) else len(text)


def expandtabs_size(text: str, tabsize=8) -> int:
    return len(text) + text.count("\t") * max(tabsize, 0) if isinstance(tabsize, int) else len(text)
