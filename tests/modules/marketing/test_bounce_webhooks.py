"""The providers' webhooks: Amazon SES through SNS (the SNS signature
checked against a signing certificate put in place by the test, so nothing
is fetched; the SubscriptionConfirmation flow) and Postmark (Basic auth or
a token header). Correct messages suppress, record and link exactly as the
bounce mailbox does; forged, unsigned or unknown-topic ones get a 4xx and
change nothing; a retried notification acts once."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess

import pytest
from dkim.crypto import RSASSA_PKCS1_v1_5_sign, parse_pem_private_key
from sqlalchemy import func, select

from app import settings
from app.extensions import db
from app.models import AuditEntry
from modules.marketing import verp
from modules.marketing.bounces import sns
from modules.marketing.models import Bounce
from tests.conftest import make_user
from tests.modules.marketing.bounce_helpers import bounces, campaign, events, notes, suppressed
from tests.modules.marketing.helpers import make_person

CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:steward-bounces"


def _keypair(folder) -> tuple[bytes, dict]:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem"), "-days", "2", "-subj", "/CN=sns.amazonaws.com"],
                   check=True, capture_output=True)
    return (folder / "cert.pem").read_bytes(), parse_pem_private_key((folder / "key.pem").read_bytes())


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """AWS's key (its certificate put where SNS would serve it) and a forger's."""
    cert, key = _keypair(tmp_path_factory.mktemp("aws"))
    _, forged = _keypair(tmp_path_factory.mktemp("forger"))
    sns.remember_certificate(CERT_URL, cert)
    return {"aws": key, "forger": forged}


@pytest.fixture(autouse=True)
def set_up(app):
    make_user(app)  # past the first-run setup page


@pytest.fixture
def fetched(monkeypatch):
    """The URLs the webhook fetched (none but a SubscribeURL may be)."""
    urls = []
    monkeypatch.setattr(sns, "fetch", lambda url: urls.append(url) or b"<ConfirmSubscriptionResponse/>")
    return urls


def signed(message: dict, key: dict, version: str = "1") -> bytes:
    message = {"SignatureVersion": version, "SigningCertURL": CERT_URL, "Timestamp": "2026-12-07T08:00:00.000Z",
               "TopicArn": TOPIC, **message}
    digest = (hashlib.sha1 if version == "1" else hashlib.sha256)(sns.signed_text(message).encode())
    message["Signature"] = base64.b64encode(bytes(RSASSA_PKCS1_v1_5_sign(digest, key))).decode()
    return json.dumps(message).encode()


def ses_bounce(email: str, bounce_type: str = "Permanent", message_id: str = "<x@example.org>") -> str:
    return json.dumps({
        "notificationType": "Bounce",
        "bounce": {"bounceType": bounce_type, "bounceSubType": "General" if bounce_type == "Permanent" else
                   "MailboxFull", "bouncedRecipients": [
                       {"emailAddress": email, "action": "failed", "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
                   "timestamp": "2026-12-07T08:00:01.000Z", "feedbackId": "0102018c-bounce",
                   "reportingMTA": "dns; a8-30.smtp-out.amazonses.com"},
        "mail": {"timestamp": "2026-12-07T08:00:00.000Z", "source": "news@example.org",
                 "messageId": "0102018c3b7e-ses-own-id-000000", "destination": [email],
                 "headersTruncated": False, "headers": [{"name": "Message-ID", "value": message_id}],
                 "commonHeaders": {"from": ["news@example.org"], "to": [email], "messageId": message_id,
                                   "subject": "Our spring appeal"}}})


def ses_complaint(email: str) -> str:
    return json.dumps({
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": email}], "complaintFeedbackType": "abuse",
                      "userAgent": "Yahoo!-Mail-Feedback/2.0", "timestamp": "2026-12-07T09:00:00.000Z",
                      "feedbackId": "0102018c-complaint"},
        "mail": {"messageId": "0102018c3b7e-ses-own-id-000001", "destination": [email]}})


def notification(message_id: str, message: str) -> dict:
    return {"Type": "Notification", "MessageId": message_id, "Message": message}


@pytest.fixture
def ses_ready(app):
    with app.app_context():
        settings.put("marketing", {"ses_topic_arns": f"arn:aws:sns:us-east-1:1:other\n{TOPIC}\n"})
        db.session.commit()


def post_sns(client, body: bytes, kind: str = "Notification"):
    return client.post("/marketing/webhooks/ses", data=body,
                       headers={"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": kind})


def test_the_sns_subscription_is_confirmed_only_for_a_signed_message_of_a_known_topic(app, client, keys, fetched,
                                                                                     ses_ready):
    confirm = {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
               "Token": "2336412f37fb687f5d51e6e2425f004aed", "Message": "You have chosen to subscribe...",
               "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn="
                               f"{TOPIC}&Token=2336412f37fb687f5d51e6e2425f004aed"}
    forged = post_sns(client, signed(confirm, keys["forger"]), "SubscriptionConfirmation")
    assert forged.status_code == 403 and b"signature does not match" in forged.data
    elsewhere = post_sns(client, signed({**confirm, "SubscribeURL": "https://evil.example.com/?Action=x"},
                                        keys["aws"]), "SubscriptionConfirmation")
    assert elsewhere.status_code == 400
    other_topic = post_sns(client, signed({**confirm, "TopicArn": "arn:aws:sns:eu-west-1:999:theirs"}, keys["aws"]),
                           "SubscriptionConfirmation")
    assert other_topic.status_code == 403
    assert fetched == []
    good = post_sns(client, signed(confirm, keys["aws"], version="2"), "SubscriptionConfirmation")
    assert good.status_code == 200 and good.data == b"subscription confirmed\n"
    assert fetched == [confirm["SubscribeURL"]]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.actor == "Amazon SNS")) == \
            f"Confirmed the SNS subscription to {TOPIC} (bounces and complaints)"


def test_ses_bounces_and_complaints_act_once_and_forgeries_change_nothing(app, client, keys, fetched, ses_ready):
    with app.app_context():
        person = make_person(app, "Gil", "Gone", "gone.away@example.net")
        rows = campaign("Spring appeal", {"gone.away@example.net": person, "angry@example.net": None})
        message_id = rows["gone.away@example.net"].message_id
    hard = notification("a1b2c3d4-0001", ses_bounce("gone.away@example.net", message_id=message_id))
    for forged in (signed(hard, keys["forger"]),
                   signed({**hard, "SigningCertURL": "https://sns.eu-west-1.amazonaws.com.evil.example/c.pem"},
                          keys["aws"]),
                   json.dumps({**json.loads(signed(hard, keys["aws"])), "Message": ses_bounce("other@example.net")
                               }).encode(),  # signed, then changed
                   b"{not json"):
        assert post_sns(client, forged).status_code == 403
    with app.app_context():
        assert suppressed() == {} and bounces() == []
    answer = post_sns(client, signed(hard, keys["aws"]))
    assert answer.status_code == 200
    assert answer.data.decode() == ("hard bounce for gone.away@example.net: suppressed, noted on 1 contact, "
                                    "campaign “Spring appeal”\n")
    retried = post_sns(client, signed(hard, keys["aws"]))  # SNS retries when it missed the answer
    assert retried.data.decode() == "hard bounce for gone.away@example.net: already recorded\n"
    soft = notification("a1b2c3d4-0002", ses_bounce("full@example.net", "Transient"))
    assert post_sns(client, signed(soft, keys["aws"])).data.decode() == \
        "soft bounce for full@example.net: soft bounce 1 of 3 within 30 days\n"
    complaint = notification("a1b2c3d4-0003", ses_complaint("angry@example.net"))
    assert post_sns(client, signed(complaint, keys["aws"])).status_code == 200
    delivery = notification("a1b2c3d4-0004", json.dumps({"notificationType": "Delivery", "mail": {}}))
    assert post_sns(client, signed(delivery, keys["aws"])).data == b"Delivery notification: ignored\n"
    with app.app_context():
        assert suppressed() == {"angry@example.net": "complaint", "gone.away@example.net": "hard_bounce"}
        assert bounces() == [("gone.away@example.net", "hard", "ses"), ("full@example.net", "soft", "ses"),
                             ("angry@example.net", "complaint", "ses")]
        assert events() == [("Spring appeal", "gone.away@example.net", "bounce_hard")]
        assert len(notes(person)) == 1
    assert fetched == []


def postmark_bounce(email: str, kind: str = "HardBounce", bounce_id: int = 4323372036, metadata=None) -> dict:
    return {"RecordType": "Bounce", "ID": bounce_id, "Type": kind, "TypeCode": 1 if kind == "HardBounce" else 4096,
            "Name": "Hard bounce", "Tag": "spring", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "Metadata": metadata or {}, "ServerID": 23, "MessageStream": "broadcast",
            "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
            "Email": email, "From": "news@example.org", "BouncedAt": "2026-12-07T08:00:00Z", "DumpAvailable": True,
            "Inactive": True, "CanActivate": True, "Subject": "Our spring appeal"}


def test_postmark_with_basic_auth_or_a_token_header(app, client):
    with app.app_context():
        person = make_person(app, "Ann", "Able", "ann@example.net")
        rows = campaign("Spring appeal", {"ann@example.net": person})
        token = verp.make_token(rows["ann@example.net"].id)
    hard = json.dumps(postmark_bounce("ann@example.net", metadata={"steward_recipient": token}))
    url = "/marketing/webhooks/postmark"
    # Not set up yet: refused, whatever is sent.
    assert client.post(url, data=hard, auth=("", "")).status_code == 401
    with app.app_context():
        settings.put("marketing", {"postmark_username": "postmark", "postmark_password": "l0ng-and-random-pass"})
        db.session.commit()
    assert client.post(url, data=hard).status_code == 401
    assert client.post(url, data=hard, auth=("postmark", "guess")).status_code == 401
    with app.app_context():
        assert suppressed() == {} and bounces() == []
    answer = client.post(url, data=hard, auth=("postmark", "l0ng-and-random-pass"),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert answer.data.decode() == ("hard bounce for ann@example.net: suppressed, noted on 1 contact, "
                                    "campaign “Spring appeal”\n")
    assert client.post(url, data=hard, auth=("postmark", "l0ng-and-random-pass")).data.decode() == \
        "hard bounce for ann@example.net: already recorded\n"

    with app.app_context():  # a token header instead (Postmark's custom webhook headers)
        settings.put("marketing", {"postmark_token": "tok-9f8e7d6c5b4a"})
        db.session.commit()
    complaint = json.dumps({"RecordType": "SpamComplaint", "ID": 42, "Type": "SpamComplaint", "TypeCode": 512,
                            "Email": "angry@example.net", "From": "news@example.org", "Inactive": True,
                            "BouncedAt": "2026-12-07T09:00:00Z", "MessageStream": "broadcast"})
    assert client.post(url, data=complaint, headers={"X-Steward-Token": "tok-wrong"}).status_code == 401
    assert client.post(url, data=complaint, headers={"X-Steward-Token": "tok-9f8e7d6c5b4a"}).data.decode() == \
        "complaint for angry@example.net: suppressed\n"
    auto = json.dumps(postmark_bounce("away@example.net", kind="AutoResponder", bounce_id=7))
    assert client.post(url, data=auto, headers={"X-Steward-Token": "tok-9f8e7d6c5b4a"}).data == \
        b"a AutoResponder bounce record: ignored\n"
    with app.app_context():
        assert suppressed() == {"angry@example.net": "complaint", "ann@example.net": "hard_bounce"}
        assert events() == [("Spring appeal", "ann@example.net", "bounce_hard")]
        assert db.session.scalar(select(func.count()).select_from(Bounce)) == 2


def test_an_unreachable_certificate_asks_sns_to_retry_and_changes_nothing(app, client, keys, monkeypatch,
                                                                         ses_ready):
    asked = []

    def unreachable(url):
        asked.append(url)
        raise OSError("Network is unreachable")

    monkeypatch.setattr(sns, "fetch", unreachable)
    other_cert = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-not-cached-yet.pem"
    body = signed({**notification("a1b2c3d4-0009", ses_bounce("x@example.net")), "SigningCertURL": other_cert},
                  keys["aws"])
    answer = post_sns(client, body)
    assert answer.status_code == 503 and b"could not fetch the signing certificate" in answer.data
    assert asked == [other_cert]
    with app.app_context():
        assert suppressed() == {} and bounces() == []
