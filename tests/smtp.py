"""A real SMTP server on 127.0.0.1 (aiosmtpd) for mail tests."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One delivered message as the server saw it: the envelope and the bytes."""
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class Inbox:
    """Keeps what arrives. `reject` makes the server answer 550 to every RCPT;
    `answers` maps an address to the reply its RCPT gets instead of 250
    (such as "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user"), and
    `answer_times` limits how many times (then it is accepted); `delay`
    seconds of thinking before each DATA answer make a send slow enough to
    interrupt."""

    def __init__(self, reject: bool = False):
        self.messages = []
        self.received: list[Received] = []
        self.reject = reject
        self.answers: dict[str, str] = {}
        self.answer_times: dict[str, int] = {}
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "550 5.1.1 No such mailbox here"
        answer = self.answers.get(address.lower())
        if answer is not None:
            left = self.answer_times.get(address.lower())
            if left is None or left > 0:
                if left is not None:
                    self.answer_times[address.lower()] = left - 1
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


class SMTPServer:
    def __init__(self, port: int | None = None, reject: bool = False):
        self.port = port or free_port()
        self.inbox = Inbox(reject)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.running = False

    def __enter__(self) -> SMTPServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Listen (again, after `stop`: the same port, the same inbox)."""
        if not self.running:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()
            self.running = True

    def stop(self) -> None:
        """Go down: connections are refused until `start`."""
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def messages(self):
        return self.inbox.messages

    def count_to(self, address: str) -> int:
        return sum(1 for r in self.inbox.received if address.lower() in (a.lower() for a in r.rcpt_tos))
