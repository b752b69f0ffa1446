"""Where a form sends you back to: `next`, only ever a path on this site.

Every view that reads `next` (sign-in, the timeline, tasks, duplicates) takes
it through `next_url`, for its redirect after a save and for the Cancel and
back links it renders, so that `next` cannot send anyone to another site.

Browsers read a URL more loosely than a string test does: they drop tabs and
newlines anywhere in it, trim control characters and spaces at its ends, and
read a backslash as a slash, so `/\\t/evil.example` and `/\\evil.example` both
become `//evil.example`, another host. Some servers and proxies also decode
`%2f` before routing. So a target is refused when it, or its percent-decoded
form, holds any control character (C0, DEL, C1) or backslash, does not start
with exactly one "/", or names a scheme or a host.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import request

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def _decodings(target: str) -> list[str] | None:
    """`target` and each further percent-decoding of it, or None when it is
    still encoded after five rounds (no link Steward writes nests that deep)."""
    forms = [target]
    while len(forms) <= 5:
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            return forms
        forms.append(decoded)
    return None


def is_local_path(target: str | None) -> bool:
    """Whether `target` is a path on this site that no browser reads as another one."""
    forms = _decodings(target) if isinstance(target, str) and target else None
    if forms is None:
        return False
    for form in forms:
        if _UNSAFE.search(form) or not form.startswith("/") or form.startswith("//"):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True


def next_url(default: str) -> str:
    """`next` from the query string or the form when it is a local path, else `default`."""
    target = request.values.get("next")
    return target if is_local_path(target) else default
