"""The accounts of one render: the work done, the time spent, and the text
and list items built so far, each checked against its limit as the render
runs. The sandbox (sandbox.py, filters.py, methods.py) reports to the guard
of the render in progress before it builds anything."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.templating import errors
from app.templating.limits import Limits

_LOG2_OF_10 = 3.3219280948873626


class Guard:
    __slots__ = ("limits", "steps", "built", "deadline", "max_bits")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps = 0
        self.built = 0
        self.deadline = time.monotonic() + limits.seconds
        self.max_bits = int(limits.digits * _LOG2_OF_10)

    def step(self, count: int = 1) -> None:
        """`count` more loop items, walked items or calls; and the clock."""
        self.steps += count
        if self.steps > self.limits.steps:
            raise errors.too_much_work(self.limits)
        if time.monotonic() > self.deadline:
            raise errors.too_slow(self.limits)

    def room_for_text(self, size: int) -> None:
        """Is there room for text of `size` characters? (Asked before building it.)"""
        if size > self.limits.string:
            raise errors.text_too_long(self.limits.string)

    def room_for_items(self, count: int) -> None:
        """Is there room for a list of `count` items? (Asked before building it.)"""
        if count > self.limits.items:
            raise errors.list_too_long(self.limits)

    def text(self, size: int) -> None:
        """Text of `size` characters was built: within the cap, and counted."""
        self.room_for_text(size)
        self._add(size)

    def items(self, count: int) -> None:
        """A list of `count` items was built: within the cap, and counted."""
        self.room_for_items(count)
        self._add(count)

    def bits(self, count: int) -> None:
        """A whole number of about `count` bits is about to be built."""
        if count > self.max_bits:
            raise errors.number_too_big(self.limits)

    def account(self, value):
        """`value` came out of an operation: text and lists within their caps
        and counted, whole numbers within their digits."""
        if isinstance(value, str):
            self.text(len(value))
        elif isinstance(value, (list, tuple)):
            self.items(len(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            self.bits(value.bit_length())
        return value

    def _add(self, size: int) -> None:
        self.built += size
        if self.built > self.limits.built:
            raise errors.too_much_built(self.limits)

    def counted(self, iterable: Iterable) -> Iterator:
        """The items of `iterable`, each one a step of work."""
        for item in iterable:
            self.step()
            yield item


_active: ContextVar[Guard | None] = ContextVar("steward_template_guard", default=None)


def active() -> Guard:
    guard = _active.get()
    if guard is None:  # the sandbox's operations only run inside render()
        raise RuntimeError("user templates render through app.templating.render")
    return guard


@contextmanager
def guarding(limits: Limits):
    """Open the accounts of one render."""
    token = _active.set(Guard(limits))
    try:
        yield
    finally:
        _active.reset(token)
