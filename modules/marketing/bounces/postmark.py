"""Postmark's Bounce and SpamComplaint webhooks
(postmarkapp.com/developer/webhooks/bounce-webhook). Postmark signs
nothing; it sends the credentials you put in the webhook's URL as HTTP
Basic auth, and any custom header you add: either is checked here, with
the secrets from Admin → Bounces and complaints."""

from __future__ import annotations

import hmac

from modules.marketing.bounce_models import COMPLAINT, HARD, SOFT
from modules.marketing.bounces.record import Found
from modules.marketing.verp import read_token

TOKEN_HEADER = "X-Steward-Token"
# Postmark's bounce types (its "Type" field) that mean the address is dead;
# the passing ones are soft; the rest (auto-responders, challenge-response,
# subscribe requests...) are not bounces of a campaign at all.
HARD_TYPES = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}
SOFT_TYPES = {"SoftBounce", "Transient", "DnsError", "Blocked"}


def allowed(request, secrets: dict) -> bool:
    """Whether the request carries the configured token or Basic credentials
    (False when neither is configured: an open endpoint is not an option)."""
    token = secrets.get("postmark_token") or ""
    if token:
        given = request.headers.get(TOKEN_HEADER, "")
        return hmac.compare_digest(given.encode(), token.encode())
    user, password = secrets.get("postmark_username") or "", secrets.get("postmark_password") or ""
    if user and password:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        return (hmac.compare_digest((auth.username or "").encode(), user.encode())
                & hmac.compare_digest((auth.password or "").encode(), password.encode()))
    return False


def findings(data: dict) -> tuple[str, list[Found]]:
    record, kind = data.get("RecordType"), data.get("Type")
    email = str(data.get("Email") or "")
    metadata = data.get("Metadata") if isinstance(data.get("Metadata"), dict) else {}
    recipient_id = read_token(str(metadata.get("steward_recipient", "")))
    detail = " ".join(str(data.get(k) or "") for k in ("Description", "Details")).strip()[:500]
    if record == "SpamComplaint" or kind == "SpamComplaint":
        return "spam complaint", [Found(email, COMPLAINT, "Postmark spam complaint", recipient_id)]
    if record != "Bounce":
        return f"a {record or 'unknown'} record: ignored", []
    if kind in HARD_TYPES:
        return f"bounce ({kind})", [Found(email, HARD, f"{kind}: {detail}", recipient_id)]
    if kind in SOFT_TYPES:
        return f"bounce ({kind})", [Found(email, SOFT, f"{kind}: {detail}", recipient_id)]
    return f"a {kind or 'unknown'} bounce record: ignored", []
