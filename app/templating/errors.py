"""What a template's author is told when it cannot be filled in: one
message per limit (limits.py), and Jinja's own errors in plain words."""

from __future__ import annotations

import re

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from app.templating.limits import Limits


class TemplateProblem(ValueError):
    """Something wrong with a template, in words for the person editing it."""


class LimitReached(TemplateProblem):
    """A render passed one of the limits; the message says which."""


def source_too_long(limits: Limits) -> TemplateProblem:
    return TemplateProblem(f"Templates are limited to {limits.source:,} characters.")


def too_much_work(limits: Limits) -> LimitReached:
    return LimitReached(f"This template does too much work: it loops over more than {limits.steps:,} items.")


def too_slow(limits: Limits) -> LimitReached:
    seconds = f"{limits.seconds:g} second{'' if limits.seconds == 1 else 's'}"
    return LimitReached(f"This template takes too long to fill in (more than {seconds}).")


def text_too_long(limit: int) -> LimitReached:
    return LimitReached(f"This template builds text that is too long (over {limit:,} characters).")


def list_too_long(limits: Limits) -> LimitReached:
    return LimitReached(f"This template builds a list that is too long (over {limits.items:,} items).")


def number_too_big(limits: Limits) -> LimitReached:
    return LimitReached(f"This template makes a number that is too big (over {limits.digits:,} digits).")


def too_much_memory(detail: str = "") -> LimitReached:
    return LimitReached(f"This template needs too much memory{detail}.")


def too_much_built(limits: Limits) -> LimitReached:
    return too_much_memory(f": it builds more than {limits.built:,} characters and list items in all")


def too_deep() -> LimitReached:
    return LimitReached("This template does too much work: it calls a macro inside itself too deeply.")


def _line_of(error: Exception) -> str:
    line = getattr(error, "lineno", None)
    return f" (line {line})" if line else ""


def friendly(error: Exception) -> str:
    """A Jinja error, or one a filter raised, as a sentence for the author."""
    if isinstance(error, TemplateSyntaxError):
        return f"{(error.message or 'Syntax error').rstrip('.')}{_line_of(error)}."
    if isinstance(error, UndefinedError):
        text = str(error.message or error)
        match = re.match(r"'(?:dict object|[^']*)' has no attribute '([^']+)'", text)
        if match:
            return f"Unknown merge field “{match.group(1)}”: check its spelling against the list of fields."
        match = re.match(r"'([^']+)' is undefined", text)
        if match:
            return f"Unknown merge field “{match.group(1)}”."
        return f"Unknown merge field: {text}."
    if isinstance(error, SecurityError):
        return f"Not allowed in a template: {error}"
    return f"The template could not be filled in: {error}"
