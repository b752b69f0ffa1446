"""The audit log in words: "Gift #42", linked to the gift, rather than
`pipeline_gift #42`. Modules name their tables' records in their manifest
(`records=[RecordKind(...)]`); a table nobody named reads as its own name
without the module prefix ("pipeline_acknowledgement" → "Acknowledgement")."""

from __future__ import annotations

from flask import current_app, url_for

from app.permissions import can


def humane(table: str) -> str:
    state = current_app.extensions["steward"]
    prefix, _, rest = table.partition("_")
    if rest and (prefix == "core" or prefix in state.installed):
        table = rest
    return table.replace("_", " ").capitalize()


def record_words(object_type: str | None, object_id: str | None) -> tuple[str, str | None]:
    """(how to say the record, the page that shows it or None)."""
    if not object_type:
        return "", None
    kind = current_app.extensions["steward"].records.get(object_type)
    noun = kind.noun if kind else humane(object_type)
    label = f"{noun} #{object_id}" if object_id else noun
    if (kind is None or kind.endpoint is None or not (object_id or "").isdigit()
            or kind.endpoint not in current_app.view_functions
            or (kind.permission is not None and not can(kind.permission))):
        return label, None
    return label, url_for(kind.endpoint, **{kind.param: int(object_id)})


def record_type_choices() -> list[tuple[str, str]]:
    """The named record kinds, for the audit log's filter."""
    kinds = current_app.extensions["steward"].records.values()
    return sorted(((kind.table, kind.noun) for kind in kinds), key=lambda pair: pair[1].lower())
