"""Templates administrators write, rendered safely: Jinja's immutable
sandbox (no attribute tricks, no changing what it is given), autoescaping,
strict undefined (a misspelt field is an error, not a blank), bounded
loops, string repetition and output size. Templates see only the plain
dicts of fields.py."""

from __future__ import annotations

import operator
import re

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from modules.pipeline.receipts import fields

MAX_SOURCE = 50_000      # characters in a subject or body
MAX_OUTPUT = 200_000     # characters a render may produce
MAX_RANGE = 1_000        # items range() may make
MAX_REPEAT = 10_000      # characters "x" * n may make


class TemplateProblem(ValueError):
    """Something wrong with a template, in words for the person editing it."""


def _range(*args):
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE:,} items in letters.")
    return values


class LetterEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "**":
            raise SecurityError("Powers (**) are not allowed in letters.")
        if isinstance(left, str) or isinstance(right, str):
            count = right if isinstance(left, str) else left
            if isinstance(count, int) and count * len(left if isinstance(left, str) else right) > MAX_REPEAT:
                raise SecurityError("That repeats text too many times.")
        return operator.mul(left, right)


_env = LetterEnvironment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.globals = {"range": _range}


def _line_of(error: Exception) -> str:
    line = getattr(error, "lineno", None)
    return f" (line {line})" if line else ""


def _friendly(error: Exception) -> str:
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
        return f"Not allowed in a letter: {error}"
    return f"The template could not be rendered: {error}"


def render(source: str, context: dict) -> str:
    """Render `source` with `context`; TemplateProblem when it cannot be."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(f"Templates are limited to {MAX_SOURCE:,} characters.")
    try:
        template = _env.from_string(source)
        out, size = [], 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateProblem("The letter comes out far too long; check the loops in the template.")
            out.append(chunk)
        return "".join(out)
    except TemplateProblem:
        raise
    except (TemplateSyntaxError, UndefinedError, SecurityError) as error:
        raise TemplateProblem(_friendly(error)) from None
    except Exception as error:  # a filter given the wrong thing, a bad comparison, ...
        raise TemplateProblem(_friendly(error)) from None


def problems(source: str, kind: str, sample: dict) -> list[str]:
    """What is wrong with `source` as a template of `kind`: syntax errors,
    names that are not merge fields of that kind, and anything a render with
    made-up values runs into (misspelt attributes, forbidden operations)."""
    if len(source) > MAX_SOURCE:
        return [f"Templates are limited to {MAX_SOURCE:,} characters."]
    try:
        parsed = _env.parse(source)
    except TemplateSyntaxError as error:
        return [_friendly(error)]
    allowed = fields.names_for(kind) | set(_env.globals)
    unknown = sorted(meta.find_undeclared_variables(parsed) - allowed)
    if unknown:
        names = ", ".join(f"“{name}”" for name in unknown)
        return [f"Unknown merge field{'s' if len(unknown) > 1 else ''} {names}: "
                f"a {kind.replace('_', '-')} letter has {', '.join(sorted(fields.names_for(kind)))}."]
    try:
        render(source, sample)
    except TemplateProblem as problem:
        return [str(problem)]
    return []
