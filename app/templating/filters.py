"""The filters a template may use: Jinja's built-ins, each run behind a
guard that counts the items it walks as work and checks the size of what
it is about to build (a center's width, a join's items, a replace's
count, ...). Four are left out: what they write cannot be sized cheaply
beforehand, and letters and emails have no use for them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sized

from jinja2 import filters as jinja
from jinja2.utils import _PassArg, pass_context

from app.templating import sizes
from app.templating.guard import Guard, active

LEFT_OUT = frozenset({"pprint", "tojson", "urlize", "xmlattr"})

# They walk every item of their input: each item is a step of work.
WALKING = frozenset("""batch dictsort groupby items join list map max min reject rejectattr reverse select
    selectattr slice sort sum unique urlencode""".split())

# They turn their input into text: a list's text must fit the cap first.
TEXTUAL = frozenset("""capitalize center e escape forceescape format indent lower replace safe string striptags
    title trim truncate upper urlencode wordcount wordwrap""".split())


# Checks before the filters whose result can be far bigger than their input.

def _center(guard: Guard, value, width=80, *_):
    guard.room_for_text(sizes.pad_size(str(value), width))


def _indent(guard: Guard, value, width=4, *_, **__):
    guard.room_for_text(sizes.indent_size(str(value), width))


def _replace(guard: Guard, value, old, new, count=None):
    guard.room_for_text(sizes.replace_size(str(value), old, new, count))


def _format(guard: Guard, value, *args, **kwargs):
    guard.room_for_text(sizes.percent_size(str(value), kwargs or args, guard.limits.string))


def _batch(guard: Guard, value, linecount, *_):
    if isinstance(linecount, int):
        guard.room_for_items(linecount)  # the last batch is filled up to this many items


def _slice(guard: Guard, value, slices, *_):
    if isinstance(slices, int):
        guard.room_for_items(slices)  # one list per slice, even empty ones


BEFORE = {"center": _center, "indent": _indent, "replace": _replace, "format": _format, "batch": _batch,
          "slice": _slice}


# Filters in place of Jinja's: the same result, measured before it is built.

@pass_context
def _join(context, value, d="", attribute=None):
    if attribute is not None:
        value = map(jinja.make_attrgetter(context.environment, attribute), value)
    items, guard = list(value), active()
    guard.room_for_text(sizes.join_size(d, items, guard.limits.string))
    return jinja.sync_do_join(context.eval_ctx, items, d)


@pass_context
def _sum(context, iterable, attribute=None, start=0):
    if attribute is not None:
        iterable = map(jinja.make_attrgetter(context.environment, attribute), iterable)
    items = list(iterable)
    if isinstance(start, (list, tuple)):  # adding up lists makes one long list
        active().room_for_items(len(start) + sum(len(item) for item in items if isinstance(item, Sized)))
    return sum(items, start)


@pass_context
def _wordwrap(context, s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True):
    if wrapstring is None:
        wrapstring = context.environment.newline_sequence
    lines = []
    for paragraph in str(s).splitlines():  # each paragraph wrapped on its own, as Jinja does
        lines.extend(textwrap.wrap(paragraph, width=width, expand_tabs=False, replace_whitespace=False,
                                   break_long_words=break_long_words, break_on_hyphens=break_on_hyphens) or [""])
    active().room_for_text(sum(map(len, lines)) + len(wrapstring) * max(len(lines) - 1, 0))
    return wrapstring.join(lines)


REPLACED = {"join": _join, "sum": _sum, "wordwrap": _wordwrap}

_PASSED = {_PassArg.context: lambda context: (context,),
           _PassArg.eval_context: lambda context: (context.eval_ctx,),
           _PassArg.environment: lambda context: (context.environment,)}


def _guarded(name: str, function):
    passed = _PASSED.get(_PassArg.from_obj(function), lambda context: ())
    before = BEFORE.get(name)

    # pass_context also keeps Jinja from running the filter while it compiles.
    @pass_context
    def guarded(context, value, *args, **kwargs):
        guard = active()
        guard.step()
        if isinstance(value, Iterator):  # a generator (map, select, ...): its items count as they come
            value = guard.counted(value)
        elif name in WALKING and isinstance(value, Sized):
            guard.step(len(value))
        if name in TEXTUAL:
            sizes.text_size(value, guard.limits.string)
        if before is not None:
            before(guard, value, *args, **kwargs)
        return guard.account(function(*passed(context), value, *args, **kwargs))

    guarded.__name__ = guarded.__qualname__ = name
    return guarded


def guarded_filters() -> dict:
    return {name: _guarded(name, REPLACED.get(name, function))
            for name, function in jinja.FILTERS.items() if name not in LEFT_OUT}
