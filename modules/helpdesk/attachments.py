"""Attachments on disk under instance/helpdesk/attachments/, by a name of
our own (ticket/message/id-safe-name), never the sender's path; the
database keeps the metadata. Larger than HELPDESK_ATTACHMENT_MAX_BYTES
(default 15 MB): kept as a note saying so, not stored."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from flask import current_app

from modules.helpdesk.models import TicketAttachment

DEFAULT_MAX = 15 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("HELPDESK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX))


def safe_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" .") or "attachment"
    stem, dot, ext = name.rpartition(".")
    return (name if len(name) <= 120 else (stem[:110] + dot + ext[:9]) if dot else name[:120])


def root() -> Path:
    return Path(current_app.instance_path) / "helpdesk" / "attachments"


def store(ticket_id: int, message_id: int, filename: str, content_type: str, data: bytes) -> TicketAttachment:
    name = safe_name(filename)
    row = TicketAttachment(message_id=message_id, filename=name, content_type=content_type[:120], size=len(data))
    if len(data) > max_bytes():
        row.note = f"Not kept: {len(data) / 1_048_576:.1f} MB is over the {max_bytes() / 1_048_576:.0f} MB limit."
        return row
    folder = root() / str(ticket_id) / str(message_id)
    folder.mkdir(parents=True, exist_ok=True)
    index = len(os.listdir(folder)) + 1
    path = folder / f"{index}-{name}"
    path.write_bytes(data)
    row.path = str(path.relative_to(Path(current_app.instance_path)))
    return row


def full_path(row: TicketAttachment) -> Path | None:
    if not row.path:
        return None
    base = Path(current_app.instance_path).resolve()
    path = (base / row.path).resolve()
    return path if base in path.parents and path.exists() else None
