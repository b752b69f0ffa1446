"""Campaign senders: a From address is used only once someone who reads
its mailbox followed the signed link sent to it (the link's signature
names the sender and its address, so changing the address makes old links
useless; they expire after VERIFY_DAYS)."""

from __future__ import annotations

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import mail
from app.extensions import db
from app.links import external_url
from modules.marketing.campaign_models import Sender

SALT = "steward.marketing.verify-sender"
VERIFY_DAYS = 3


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(sender: Sender) -> str:
    return _serializer().dumps({"s": sender.id, "e": sender.email})


def read(value: str) -> Sender | None:
    try:
        data = _serializer().loads(value, max_age=VERIFY_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    sender = db.session.get(Sender, data.get("s")) if isinstance(data, dict) else None
    return sender if sender is not None and sender.email == data.get("e") else None


def send_confirmation(sender: Sender) -> None:
    link = external_url("marketing.sender_verify", token=token(sender))
    text = render_template("marketing/email/verify_sender.txt", sender=sender, link=link, days=VERIFY_DAYS)
    mail.send(sender.email, "Confirm this address for sending campaigns", text, category="marketing.sender")
