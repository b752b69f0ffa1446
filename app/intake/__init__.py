"""Inbound mail, read once for every module (DESIGN.md, "mailboxes").

Modules declare the kinds of mailbox they read (registry.MailboxKind:
bounces, helpdesk tickets); administrators connect mailboxes of those kinds
(Admin → Mailboxes). Mail arrives by two routes that end in `take`:
- polling over IMAP (imap.py), by the recurring schedule "core.mailboxes";
- a pipe from the mail server (`flask mail receive MAILBOX`, cli.py).
`take` stores each message once per Message-ID, then hands it to the
module's handler (take.py)."""

from app.intake.take import message_key, retry, take

__all__ = ["message_key", "retry", "take"]
