"""The handler of the mailbox kind "marketing.bounces" (app/intake calls it
once per message): read the message, act on each address it names, and say
what was done."""

from __future__ import annotations

from modules.marketing.bounces import parse
from modules.marketing.bounces.record import act


def handle(message, inbound) -> str:
    raw = inbound.raw if inbound.raw is not None else message.as_bytes()
    reading = parse.read(raw)
    if not reading.found:
        return reading.why
    said = [act(found, "mailbox", f"mailbox:{inbound.message_key}:{found.email or found.recipient_id}")
            for found in reading.found]
    return "; ".join(said)
