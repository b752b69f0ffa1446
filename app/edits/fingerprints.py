"""Fingerprints of form fields and the edit token that carries them.

A field's fingerprint is a short hash of its value in a canonical form, so
that the value a form built from the database holds and the value a browser
posts back compare equal when they mean the same thing: None and "" alike,
dates as ISO text, amounts without trailing zeros, lists without their
blank rows (the "add another" row of an email list)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import date, datetime
from decimal import Decimal

# Fields that are part of the form's machinery, not the record.
NOT_COMPARED = {"csrf_token", "edit_token", "submit"}


def canonical(value):
    """`value` (a field's `.data`) as JSON-able data that compares as meant."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if text != "-0" else "0"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items()) if k not in NOT_COMPARED}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [canonical(v) for v in value]
        items = [v for v in items if not _blank(v)]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (int, float)):
        return str(value)
    return str(value).replace("\r\n", "\n")


def _blank(value) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return value in ("", [])


def fingerprint(value) -> str:
    digest = hashlib.blake2b(json.dumps(canonical(value), sort_keys=True).encode(), digest_size=9)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def field_print(field) -> str:
    """The fingerprint of a field's value; a multiple choice compares as a set
    (ticking the same tags in another order is no change)."""
    data = field.data
    if field.type == "SelectMultipleField" and isinstance(data, list | tuple):
        data = set(data)
    return fingerprint(data)


def compared(form) -> list[str]:
    """The names of the fields `form` saves (and so compares)."""
    skip = NOT_COMPARED | set(getattr(form, "edit_ignore", ()))
    return [name for name, f in form._fields.items()
            if name not in skip and f.type not in ("SubmitField", "FileField", "MultipleFileField", "CSRFTokenField")]


def fingerprints(form) -> dict[str, str]:
    return {name: field_print(form[name]) for name in compared(form)}


def token_for(form) -> str:
    """The edit token of `form` as it stands: when, and each field's fingerprint."""
    payload = {"at": int(time.time()), "f": fingerprints(form)}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def read_token(token: str | None) -> tuple[datetime, dict[str, str]] | None:
    """(when the form was shown, fingerprints), or None for a missing or mangled token."""
    if not token or len(token) > 20_000:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        at, prints = payload["at"], payload["f"]
        if not isinstance(at, int) or not isinstance(prints, dict):
            return None
        from datetime import UTC

        return datetime.fromtimestamp(at, UTC), {str(k): str(v) for k, v in prints.items()}
    except (ValueError, TypeError, KeyError, OverflowError, OSError):
        return None
