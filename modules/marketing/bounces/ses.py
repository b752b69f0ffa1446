"""Amazon SES bounce and complaint notifications, delivered by SNS
(the SNS message's `Message` is SES's JSON). Both SES's own notifications
(`notificationType`) and configuration-set events (`eventType`) are read."""

from __future__ import annotations

import json

from modules.marketing.bounce_models import COMPLAINT, HARD, SOFT
from modules.marketing.bounces.record import Found


def findings(text: str) -> tuple[str, list[Found]]:
    """(what the notification is, the addresses to act on)."""
    try:
        data = json.loads(text)
    except ValueError:
        return "not JSON", []
    if not isinstance(data, dict):
        return "not an SES notification", []
    kind = data.get("notificationType") or data.get("eventType") or ""
    mail = data.get("mail") if isinstance(data.get("mail"), dict) else {}
    message_id = _message_id(mail)
    if kind == "Bounce":
        bounce = data.get("bounce") if isinstance(data.get("bounce"), dict) else {}
        kind_of = HARD if bounce.get("bounceType") == "Permanent" else SOFT
        what = f"{bounce.get('bounceType', '?')}/{bounce.get('bounceSubType', '?')}"
        found = [Found(str(r.get("emailAddress", "")), kind_of,
                       f"{what}: {r.get('status', '')} {r.get('diagnosticCode', '')}".strip(" :"), None, message_id)
                 for r in _list(bounce.get("bouncedRecipients"))]
        return f"bounce ({what})", found
    if kind == "Complaint":
        complaint = data.get("complaint") if isinstance(data.get("complaint"), dict) else {}
        feedback = complaint.get("complaintFeedbackType") or "abuse"
        if complaint.get("complaintSubType") == "OnAccountSuppressionList":
            return "complaint already on the SES suppression list", []
        return "complaint", [Found(str(r.get("emailAddress", "")), COMPLAINT, f"SES complaint ({feedback})",
                                   None, message_id)
                             for r in _list(complaint.get("complainedRecipients"))]
    return f"{kind or 'unknown'} notification: ignored", []


def _list(value) -> list[dict]:
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _message_id(mail: dict) -> str | None:
    """The Message-ID Steward gave the message (SES's own messageId is another)."""
    common = mail.get("commonHeaders") if isinstance(mail.get("commonHeaders"), dict) else {}
    if isinstance(common.get("messageId"), str):
        return common["messageId"]
    for header in _list(mail.get("headers")):
        if str(header.get("name", "")).lower() == "message-id":
            return str(header.get("value", ""))
    return None
