"""Every limit on the templates users write, in one place.

A render stops at the first limit it passes, with a message (errors.py)
that names it. Three are settings (TEMPLATE_WORK_LIMIT, TEMPLATE_SECONDS,
TEMPLATE_MEMORY_MB in README.md and docs/deploy.md); the others are the
constants below, sized for letters and emails a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context

MAX_SOURCE = 50_000        # characters in one template
MAX_OUTPUT = 200_000       # characters one render may produce
MAX_STEPS = 100_000        # loop items, items filters walk and calls, in one render (its work)
MAX_SECONDS = 2            # wall-clock seconds of one render
MAX_STRING = 200_000       # characters in any one piece of text a template builds
MAX_ITEMS = 10_000         # items in any one list a template builds, range() included
MAX_DIGITS = 1_000         # digits in any one number a template builds
MAX_BUILT = 5_000_000      # characters and list items built in all during one render (its memory)
CHILD_MEMORY_MB = 256      # memory a render in a child process may add to what its parent had
CHILD_GRACE_SECONDS = 3    # a child render past its deadline by this much is killed


@dataclass(frozen=True)
class Limits:
    source: int = MAX_SOURCE
    output: int = MAX_OUTPUT
    steps: int = MAX_STEPS
    seconds: float = MAX_SECONDS
    string: int = MAX_STRING
    items: int = MAX_ITEMS
    digits: int = MAX_DIGITS
    built: int = MAX_BUILT
    memory_mb: int = CHILD_MEMORY_MB

    @property
    def child_timeout(self) -> float:
        return self.seconds + CHILD_GRACE_SECONDS

    @property
    def result_bytes(self) -> int:
        """The most a child's answer may hold: two renders in UTF-8, and room to spare."""
        return 8 * self.output + 65_536


def current() -> Limits:
    """The limits with the app's settings applied (the defaults outside an app)."""
    if not has_app_context():
        return Limits()
    config = current_app.config
    return Limits(steps=config.get("TEMPLATE_WORK_LIMIT") or MAX_STEPS,
                  seconds=config.get("TEMPLATE_SECONDS") or MAX_SECONDS,
                  memory_mb=config.get("TEMPLATE_MEMORY_MB") or CHILD_MEMORY_MB)
