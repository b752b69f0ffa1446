"""What a new ticket answers, when another module sent it: a customer's
reply to a marketing campaign becomes a ticket whose first note names and
links the campaign. The helpdesk imports no such module; a module that
sends mail declares, in its manifest,

    extends={"helpdesk": {"replied_to": "package.module:function"}}

and `replied_to(message_ids, from_address, to_addresses)` returns
`(title, url)` for the mail of its own that the message answers (by its
In-Reply-To/References, or by the address the reply went to), or None.
It is asked only while its module is enabled."""

from __future__ import annotations

from flask import current_app

from app.refs import lazy, resolve
from modules.helpdesk.parsing import Parsed


def answering(parsed: Parsed) -> tuple[str, str] | None:
    state = current_app.extensions["steward"]
    ids = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
    for module in state.enabled:
        declared = module.extends.get("helpdesk")
        hook = declared.get("replied_to") if isinstance(declared, dict) else None
        if hook is None:
            continue
        found = resolve(lazy(hook))(ids, parsed.from_address, [*parsed.to, *parsed.cc])
        if found:
            return found
    return None
