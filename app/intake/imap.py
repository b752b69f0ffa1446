"""Polling a mailbox over IMAP (IMAPClient): fetch what arrived since the
last poll, in UID order, hand each message to `take`, then mark, move or
delete it on the server as the mailbox says.

Progress is the folder's UIDVALIDITY and the last UID taken, saved with
each message: a poll that stops half-way (a dropped connection, a killed
worker) carries on after the last message it stored, and the Message-ID
check catches anything fetched again after a UIDVALIDITY change."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field

from imapclient import SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from app.extensions import db
from app.intake.take import max_bytes, take
from app.models import InboundMessage, Mailbox
from app.models.base import utcnow

BATCH = 50
TIMEOUT = 30  # seconds for connecting and for each answer


@dataclass
class Poll:
    new: int = 0
    already_had: int = 0
    failed: int = 0
    error: str | None = None
    steps: list[str] = field(default_factory=list)  # what the server answered, for "Check now"


def connect(mailbox: Mailbox, steps: list[str]) -> IMAPClient:
    context = ssl.create_default_context()
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.security == "ssl",
                        ssl_context=context if mailbox.security == "ssl" else None, timeout=TIMEOUT)
    steps.append(f"Connected to {mailbox.host} port {mailbox.port}"
                 + (" over TLS." if mailbox.security == "ssl" else "."))
    if mailbox.security == "starttls":
        client.starttls(context)
        steps.append("Switched to TLS (STARTTLS).")
    client.login(mailbox.username, mailbox.password)
    steps.append(f"Signed in as {mailbox.username}.")
    return client


def poll(mailbox: Mailbox) -> Poll:
    """Take every new message of the mailbox; errors are recorded on it, not raised."""
    result = Poll()
    try:
        with connect(mailbox, result.steps) as client:
            _poll(client, mailbox, result)
    except Exception as error:  # noqa: BLE001 - every failure is said on the mailbox, in words
        db.session.rollback()
        result.error = in_words(error, mailbox)
    mailbox.last_polled_at = utcnow()
    mailbox.last_error = result.error
    db.session.commit()
    return result


def check(mailbox: Mailbox) -> Poll:
    """Connect, sign in and look at the folder without taking anything: for "Check now"."""
    result = Poll()
    try:
        with connect(mailbox, result.steps) as client:
            info = client.select_folder(mailbox.folder, readonly=True)
            total = int(info.get(b"EXISTS", 0))
            same = mailbox.uidvalidity == int(info[b"UIDVALIDITY"])
            waiting = len(_new_uids(client, mailbox.last_uid if same else 0))
            result.steps.append(f"The folder “{mailbox.folder}” holds {total} message(s); "
                                f"{waiting} would be read at the next poll.")
    except Exception as error:  # noqa: BLE001
        result.error = in_words(error, mailbox)
    return result


def _new_uids(client: IMAPClient, after: int) -> list[int]:
    # "n:*" always matches the newest message, even when its UID is below n.
    return sorted(uid for uid in client.search(["UID", f"{after + 1}:*"]) if uid > after)


def _poll(client: IMAPClient, mailbox: Mailbox, result: Poll) -> None:
    info = client.select_folder(mailbox.folder)
    validity = int(info[b"UIDVALIDITY"])
    if mailbox.uidvalidity != validity:  # a new folder, or the server renumbered it: start over
        mailbox.uidvalidity, mailbox.last_uid = validity, 0
        db.session.commit()
    uids = _new_uids(client, mailbox.last_uid)
    for start in range(0, len(uids), BATCH):
        chunk = uids[start:start + BATCH]
        sizes = {uid: data[b"RFC822.SIZE"] for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items()}
        small = [uid for uid in chunk if sizes.get(uid, 0) <= max_bytes()]
        big = [uid for uid in chunk if uid not in small]
        bodies = {uid: data[b"BODY[]"] for uid, data in client.fetch(small, ["BODY.PEEK[]"]).items()} if small else {}
        heads = ({uid: data[b"BODY[HEADER]"] for uid, data in client.fetch(big, ["BODY.PEEK[HEADER]"]).items()}
                 if big else {})
        for uid in chunk:
            if uid in bodies:
                inbound = take(mailbox, bodies[uid], last_uid=uid)
            elif uid in heads:
                inbound = take(mailbox, heads[uid], last_uid=uid, size=sizes[uid])
            else:  # gone between SEARCH and FETCH (another client deleted it)
                continue
            if inbound is None:
                result.already_had += 1
            else:
                result.new += 1
                result.failed += inbound.status != InboundMessage.HANDLED
        _after(client, mailbox, [uid for uid in chunk if uid in bodies or uid in heads])


def _after(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    if mailbox.after == "move" and mailbox.move_to:
        client.move(uids, mailbox.move_to)
    elif mailbox.after == "delete":
        client.delete_messages(uids)
        client.expunge()
    else:
        client.add_flags(uids, [SEEN])


def in_words(error: Exception, mailbox: Mailbox) -> str:
    """What went wrong, the way an administrator can act on it."""
    where = f"{mailbox.host} port {mailbox.port}"
    if isinstance(error, LoginError):
        return f"{mailbox.host} refused the user name or password: {_text(error)}"
    if isinstance(error, ConnectionRefusedError):
        return f"Could not connect to {where}: the connection was refused (nothing listens there)."
    if isinstance(error, socket.gaierror):
        return f"There is no server called “{mailbox.host}” (the name does not resolve)."
    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"{where} did not answer within {TIMEOUT} seconds."
    if isinstance(error, ssl.SSLError):
        return f"The TLS connection to {where} failed: {error.reason or error}. Check the security setting and port."
    if isinstance(error, IMAPClientError) and "select" in str(error).lower():
        return f"The server has no folder “{mailbox.folder}” (or refused to open it): {_text(error)}"
    if isinstance(error, OSError):
        return f"Could not talk to {where}: {error.strerror or error}."
    return f"{type(error).__name__}: {_text(error)}"


def _text(error: Exception) -> str:
    text = str(error)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.strip() or type(error).__name__
