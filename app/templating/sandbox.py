"""The one environment every template users write renders in: Jinja's
immutable sandbox (no private attributes, nothing it is given can be
changed), autoescaping, strict undefined (a misspelt field is an error,
not a blank), trimmed blocks, and the limits of limits.py checked as it
runs. What Jinja would build unchecked goes through this class instead:

- every {% for %} hands its items out one by one, each a step of work
  (the code generator wraps the loop's iterable), and so does loop(...)
  in a recursive loop;
- `~`, `+`, `*`, `%` and `**` measure their result before making it;
- filters (filters.py) and methods of built-in values (methods.py) count
  the items they walk and measure what they build;
- str.format measures each field and the whole as it grows;
- every {{ value }} and every block a macro, call or set collects is
  measured before it is written out or joined.
"""

from __future__ import annotations

import types

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.compiler import CodeGenerator
from jinja2.runtime import LoopContext, Macro, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from markupsafe import Markup

from app.templating import errors, methods, sizes
from app.templating.errors import TemplateProblem
from app.templating.filters import guarded_filters
from app.templating.guard import active, guarding
from app.templating.limits import Limits
from app.templating.limits import current as current_limits


class GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator with two changes: the iterable of every
    {% for %} is handed out through Sandbox.counted, and `~` calls
    Sandbox.concat_text (Jinja joins the parts itself, unmeasured)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loop_iterables: set[int] = set()

    def visit_For(self, node, frame):
        self._loop_iterables.add(id(node.iter))
        super().visit_For(node, frame)

    def visit(self, node, *args, **kwargs):
        if id(node) not in self._loop_iterables:
            return super().visit(node, *args, **kwargs)
        self.write("environment.counted(")  # the iterable of a {% for %}: its items count as work
        super().visit(node, *args, **kwargs)
        self.write(")")

    def visit_Concat(self, node, frame):
        self.write("environment.concat_text((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


class _Measuring:
    """str.format that measures each field before formatting it, and the
    text as it grows."""

    def __init__(self, env, **kwargs):
        super().__init__(env, **kwargs)
        self._guard = active()
        self._size = 0

    def convert_field(self, value, conversion):
        sizes.text_size(value, self._guard.limits.string)  # then the repr, at most ten times that, is measured
        return super().convert_field(value, conversion)

    def format_field(self, value, format_spec):
        sizes.check_format_field(value, format_spec, self._guard.limits.string)
        text = super().format_field(value, format_spec)
        self._size += len(text)
        self._guard.room_for_text(self._size)
        return text


class MeasuringFormatter(_Measuring, SandboxedFormatter):
    pass


class MeasuringEscapeFormatter(_Measuring, SandboxedEscapeFormatter):
    pass


def _range(*args):
    values, guard = range(*args), active()
    try:
        guard.room_for_items(len(values))
    except OverflowError:  # longer than a C integer can count
        guard.room_for_items(guard.limits.items + 1)
    return values


def _finalize(value):
    """Every {{ value }}: its text measured and counted before it is written."""
    guard = active()
    guard.text(sizes.text_size(value, guard.limits.string))
    return value


class Sandbox(ImmutableSandboxedEnvironment):
    code_generator_class = GuardedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def counted(self, iterable):
        return active().counted(iterable)

    def concat_text(self, parts: tuple, autoescape: bool) -> str:
        """`a ~ b ~ c`"""
        guard = active()
        size = 0
        for part in parts:
            size += sizes.text_size(part, guard.limits.string)
            guard.room_for_text(size)
        return guard.account(markup_join(parts) if autoescape else str_join(parts))

    def concat(self, chunks) -> str:
        """The output a macro, a call block, a block or {% set %} collected."""
        chunks = list(chunks)
        active().text(sum(map(len, chunks)))
        return "".join(chunks)

    def call_binop(self, context, operator, left, right):
        guard = active()
        if operator in ("*", "+"):
            _check_sequence_op(guard, operator, left, right)
        elif operator == "%" and isinstance(left, str):
            guard.room_for_text(sizes.percent_size(left, right, guard.limits.string))
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            guard.bits(left.bit_length() * right)
        return guard.account(self.binop_table[operator](left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # Jinja's signature: no clash with the call's kwargs
        guard = active()
        guard.step()
        if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive for
            args = (guard.counted(args[0]), *args[1:])
        args = methods.check(guard, __obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return result if isinstance(__obj, Macro) else guard.account(result)  # a macro's text was counted

    def wrap_str_format(self, value):
        """str.format and str.format_map, measured (see _Measuring)."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) \
                or value.__name__ not in ("format", "format_map") or not isinstance(value.__self__, str):
            return None
        text, is_map = value.__self__, value.__name__ == "format_map"

        def measured_format(*args, **kwargs):
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            if isinstance(text, Markup):
                formatter = MeasuringEscapeFormatter(self, escape=text.escape)
            else:
                formatter = MeasuringFormatter(self)
            return type(text)(formatter.vformat(text, args, kwargs))

        return measured_format


def _check_sequence_op(guard, operator: str, left, right) -> None:
    """`text * n`, `list * n`, `a + b` and `n * m`: the size of the result."""
    if operator == "*":
        if isinstance(right, (str, list, tuple)):
            left, right = right, left
        if isinstance(left, (str, list, tuple)) and isinstance(right, int):
            if isinstance(left, str):
                guard.room_for_text(len(left) * right)
            else:
                guard.room_for_items(len(left) * right)
        elif isinstance(left, int) and isinstance(right, int):
            guard.bits(left.bit_length() + right.bit_length())
    elif isinstance(left, str) and isinstance(right, str):
        guard.room_for_text(len(left) + len(right))
    elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        guard.room_for_items(len(left) + len(right))


environment = Sandbox(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=_finalize)
environment.globals = {"range": _range}
environment.filters = guarded_filters()


def render(source: str, context: dict, limits: Limits | None = None) -> str:
    """`source` filled in with `context`, in this process, within the
    limits; TemplateProblem (LimitReached for a limit) when it cannot be."""
    limits = limits or current_limits()
    if len(source) > limits.source:
        raise errors.source_too_long(limits)
    with guarding(limits):
        try:
            template = environment.from_string(source)
            out, size = [], 0
            for chunk in template.generate(**context):
                size += len(chunk)
                if size > limits.output:
                    raise errors.text_too_long(limits.output)
                out.append(chunk)
            return "".join(out)
        except TemplateProblem:
            raise
        except RecursionError:
            raise errors.too_deep() from None
        except MemoryError:
            raise errors.too_much_memory() from None
        except Exception as error:  # a syntax error, a filter given the wrong thing, a bad comparison, ...
            raise TemplateProblem(errors.friendly(error)) from None


def names_used(source: str, limits: Limits | None = None) -> set[str]:
    """The names a template reads that it does not define itself: the
    merge fields it needs. TemplateProblem when it is too long or invalid,
    with the line of the source as written."""
    limits = limits or current_limits()
    if len(source) > limits.source:
        raise errors.source_too_long(limits)
    try:
        parsed = environment.parse(source)
        # Compiled too: an unknown filter or test is found here, on the source as
        # written (a Markdown template renders as converted HTML, whose lines differ).
        environment.compile(parsed)
    except TemplateSyntaxError as error:
        raise TemplateProblem(errors.friendly(error)) from None
    except RecursionError:
        raise TemplateProblem("This template nests too deeply to be read.") from None
    return meta.find_undeclared_variables(parsed) - set(environment.globals)
