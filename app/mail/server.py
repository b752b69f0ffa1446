"""Which SMTP server Steward sends through: the environment's MAIL_* settings
when MAIL_SERVER is set there (they win, as a whole: a host from one place
and a password from another would only confuse), else the one set in
Admin → Mail server (core settings `mail_*`).

The stored password is kept in the settings table as typed (like the
environment keeps it in the service's unit file); the admin page never
shows it back."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_mail import Connection, _Mail

from app import settings

SECURITY = {"starttls": "STARTTLS (usually port 587)", "ssl": "TLS from the start (usually port 465)",
            "none": "None (a server on this machine or network only)"}
STORED_KEYS = ("mail_server", "mail_port", "mail_security", "mail_username", "mail_password", "mail_sender")
ENV_NAMES = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD",
             "MAIL_DEFAULT_SENDER")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # starttls | ssl | none
    username: str
    password: str
    sender: str
    from_environment: bool

    def flask_mail_state(self) -> _Mail:
        return _Mail(self.host, self.username or None, self.password or None, self.port,
                     self.security == "starttls", self.security == "ssl", self.sender, 0, None, False, False)


def from_environment() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def current() -> Server | None:
    """The server to send through, or None: delivery is off."""
    config = current_app.config
    if from_environment():
        security = "ssl" if config.get("MAIL_USE_SSL") else "starttls" if config.get("MAIL_USE_TLS") else "none"
        return Server(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), security,
                      config.get("MAIL_USERNAME") or "", config.get("MAIL_PASSWORD") or "",
                      config.get("MAIL_DEFAULT_SENDER") or "steward@localhost", True)
    stored = settings.get_all("core")
    if not stored.get("mail_server"):
        return None
    return Server(stored["mail_server"], int(stored.get("mail_port") or 587), stored.get("mail_security") or "starttls",
                  stored.get("mail_username") or "", stored.get("mail_password") or "",
                  stored.get("mail_sender") or config.get("MAIL_DEFAULT_SENDER") or "steward@localhost", False)


def sender() -> str:
    server = current()
    return server.sender if server else (current_app.config.get("MAIL_DEFAULT_SENDER") or "steward@localhost")


def connect() -> Connection:
    """A Flask-Mail connection to the current server (the environment's is
    the one Flask-Mail was set up with at start)."""
    server = current()
    if server is None or server.from_environment:
        return Connection(current_app.extensions["mail"])
    return Connection(server.flask_mail_state())
