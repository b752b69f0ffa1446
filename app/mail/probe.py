""""Send a test email": talk to the SMTP server step by step and say plainly
what it answered at each step, so an administrator can see where it goes
wrong (cannot connect, TLS refused, sign-in refused, address refused) and,
when it works, the server's own words on accepting the message. The test
message is sent directly, not through the outbox: its point is the answer."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from app.mail.server import Server

TIMEOUT = 15


@dataclass
class Report:
    ok: bool = False
    steps: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.steps.append(text)


def _answer(reply) -> str:
    code, text = reply
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}".strip()


def send_test(server: Server, to: str, org_name: str) -> Report:
    report = Report()
    where = f"{server.host} port {server.port}"
    try:
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    except (OSError, smtplib.SMTPException) as error:
        report.say(f"Could not connect to {where}: {_why(error)}.")
        return report
    try:
        with smtp:
            report.say(f"Connected to {where}.")
            report.say(f"The server greeted: {_answer(smtp.ehlo())}.")
            if server.security == "starttls":
                if not smtp.has_extn("starttls"):
                    report.say("The server does not offer STARTTLS. Choose another security setting or port.")
                    return report
                report.say(f"STARTTLS: {_answer(smtp.starttls(context=ssl.create_default_context()))}.")
                smtp.ehlo()
            if server.username:
                try:
                    reply = smtp.login(server.username, server.password)
                    report.say(f"Sign-in as {server.username}: {_answer(reply)}.")
                except smtplib.SMTPAuthenticationError as error:
                    report.say(f"The server refused the sign-in as {server.username}: "
                               f"{_answer((error.smtp_code, error.smtp_error))}.")
                    return report
            message = EmailMessage()
            message["Subject"] = f"Test email from {org_name or 'Steward'}"
            message["From"], message["To"] = server.sender, to
            message["Message-ID"] = make_msgid(domain=server.sender.rsplit("@", 1)[-1].strip(">") or "localhost")
            message.set_content(f"This is a test email from Steward ({org_name}). It arrived, so email works.")
            for step, reply in (("Sender", smtp.mail(server.sender)), ("Recipient", smtp.rcpt(to))):
                report.say(f"{step} {server.sender if step == 'Sender' else to}: {_answer(reply)}.")
                if reply[0] >= 400:
                    return report
            reply = smtp.data(message.as_bytes())
            report.say(f"The message: {_answer(reply)}.")
            report.ok = reply[0] < 400
    except smtplib.SMTPServerDisconnected as error:
        report.say(f"The server closed the connection: {_why(error)}.")
    except (OSError, smtplib.SMTPException) as error:
        report.say(f"The conversation failed: {_why(error)}.")
    return report


def _why(error: Exception) -> str:
    if isinstance(error, socket.gaierror):
        return "no such host name"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT} seconds"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused (nothing listens there)"
    if isinstance(error, ssl.SSLError):
        return f"the TLS handshake failed ({error.reason or error})"
    code = getattr(error, "smtp_code", None)
    if code:
        return _answer((code, getattr(error, "smtp_error", b"")))
    return str(error) or type(error).__name__
