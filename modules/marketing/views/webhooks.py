"""Public endpoints the mail providers call: Amazon SES through SNS, and
Postmark. Exempt from CSRF (a provider has no session) and rate-limited;
a message that fails its check (signature, topic, credentials) gets a 4xx
and changes nothing. Set up: docs/marketing.md, "Bounces and complaints"."""

from __future__ import annotations

import json

from flask import request
from sqlalchemy.exc import IntegrityError

from app import audit, settings
from app.extensions import csrf, db
from app.limiter import limiter
from app.permissions import public
from modules.marketing.bounces import postmark, ses, sns
from modules.marketing.bounces.record import act
from modules.marketing.views import bp

LIMIT = "600 per minute"
MAX_BODY = 256 * 1024


def _answer(text: str, status: int = 200):
    return text + "\n", status, {"Content-Type": "text/plain; charset=utf-8"}


def _topics() -> set[str]:
    return {line.strip() for line in (settings.get("marketing", "ses_topic_arns") or "").splitlines() if line.strip()}


def _act_all(findings, source: str, key: str) -> str:
    said = []
    try:
        for found in findings:
            said.append(act(found, source, f"{key}:{found.email or found.recipient_id}"))
        db.session.commit()
    except IntegrityError:  # the same report from a retry, at the same moment: the first one stands
        db.session.rollback()
        return "already recorded"
    return "; ".join(said)


@bp.post("/webhooks/ses")
@csrf.exempt
@public
@limiter.limit(LIMIT, scope="marketing-webhooks")
def webhook_ses():
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _answer("too large", 413)
    try:
        message = sns.read(body)
    except sns.Refused as refused:
        return _answer(f"refused: {refused}", 403)
    except sns.Unavailable as problem:
        return _answer(f"try again later: {problem}", 503)
    topic = message.get("TopicArn", "")
    if topic not in _topics():
        return _answer("refused: this topic is not one set up in Steward (Admin → Bounces and complaints)", 403)
    kind = message["Type"]
    if kind == "SubscriptionConfirmation":
        url = message.get("SubscribeURL", "")
        if not sns.aws_url(url):
            return _answer("refused: the SubscribeURL is not an Amazon SNS address", 400)
        try:
            sns.fetch(url)
        except OSError as error:  # SNS sends the confirmation again later
            return _answer(f"try again later: could not confirm ({error})", 503)
        audit.record(audit.UPDATE, object_type="core_setting", object_id="marketing", actor="Amazon SNS",
                     summary=f"Confirmed the SNS subscription to {topic} (bounces and complaints)")
        db.session.commit()
        return _answer("subscription confirmed")
    if kind == "UnsubscribeConfirmation":
        return _answer("noted")
    what, findings = ses.findings(message.get("Message", ""))
    if not findings:
        return _answer(what)
    return _answer(_act_all(findings, "ses", f"ses:{message.get('MessageId', '')}"))


@bp.post("/webhooks/postmark")
@csrf.exempt
@public
@limiter.limit(LIMIT, scope="marketing-webhooks")
def webhook_postmark():
    if not postmark.allowed(request, settings.get_all("marketing")):
        return _answer("refused: wrong or missing credentials", 401)
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _answer("too large", 413)
    try:
        data = json.loads(body)
    except ValueError:
        return _answer("the body is not JSON", 400)
    if not isinstance(data, dict):
        return _answer("not a Postmark webhook", 400)
    what, findings = postmark.findings(data)
    if not findings:
        return _answer(what)
    return _answer(_act_all(findings, "postmark", f"postmark:{data.get('RecordType')}:{data.get('ID', '')}"))
