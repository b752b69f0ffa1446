"""Amazon SNS messages, checked as AWS documents
(docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
the signing certificate must come over HTTPS from an `sns.<region>.
amazonaws.com` host, and the message's fields, in their fixed order, must
carry its RSA signature (SHA1 for SignatureVersion 1, SHA256 for 2).

Certificates are kept in memory by URL once fetched. Tests put theirs in
with `remember_certificate`, so nothing is fetched. RSA and ASN.1 come from
dkimpy (already pinned for DKIM): the certificate is read only as far as its
public key."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.request
from urllib.parse import urlsplit

from dkim.crypto import RSASSA_PKCS1_v1_5_verify, UnparsableKeyError, parse_public_key

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
FIELDS = {"Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
          "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                                       "Type"),
          "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                                      "Type")}
_certificates: dict[str, dict] = {}
TIMEOUT = 10


class Refused(Exception):
    """Why a message is not taken as coming from SNS."""


class Unavailable(Exception):
    """The check could not be made now (the certificate could not be fetched)."""


def remember_certificate(url: str, pem: bytes) -> None:
    _certificates[url] = public_key(pem)


def aws_url(url: str, *, suffix: str = "") -> bool:
    parts = urlsplit(url or "")
    return (parts.scheme == "https" and bool(SNS_HOST.match(parts.hostname or "")) and parts.port in (None, 443)
            and parts.path.endswith(suffix))


def fetch(url: str) -> bytes:
    """GET an AWS URL (a certificate, a SubscribeURL); replaced in tests."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - aws_url() checked it
        return answer.read(65536)


def read(body: bytes) -> dict:
    """The message, signature checked; raises Refused."""
    try:
        message = json.loads(body)
    except ValueError:
        raise Refused("the body is not JSON") from None
    if not isinstance(message, dict) or message.get("Type") not in FIELDS:
        raise Refused("not an SNS message")
    if not all(isinstance(message.get(k, ""), str) for k in FIELDS[message["Type"]] + ("Signature",)):
        raise Refused("not an SNS message")
    version = str(message.get("SignatureVersion", ""))
    digest = {"1": hashlib.sha1, "2": hashlib.sha256}.get(version)
    if digest is None:
        raise Refused(f"unknown SignatureVersion {version!r}")
    url = message.get("SigningCertURL") or ""
    if not aws_url(url, suffix=".pem"):
        raise Refused("the signing certificate is not on an Amazon SNS host")
    key = _certificates.get(url)
    if key is None:
        try:
            pem = fetch(url)
        except OSError as error:  # AWS unreachable for now: SNS retries on a 5xx
            raise Unavailable(f"could not fetch the signing certificate: {error}") from None
        key = _certificates[url] = public_key(pem)
    try:
        signature = base64.b64decode(message.get("Signature") or "", validate=True)
    except ValueError:
        raise Refused("the signature is not base64") from None
    if not RSASSA_PKCS1_v1_5_verify(digest(signed_text(message).encode()), signature, key):
        raise Refused("the signature does not match")
    return message


def signed_text(message: dict) -> str:
    """The fields SNS signs, "Name\\nvalue\\n" each, in its order (Subject only when present)."""
    return "".join(f"{name}\n{message[name]}\n" for name in FIELDS[message["Type"]]
                   if name in message and not (name == "Subject" and message[name] is None))


def public_key(pem: bytes) -> dict:
    """The RSA key of a PEM certificate (its SubjectPublicKeyInfo)."""
    found = re.search(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem, re.S)
    if not found:
        raise Refused("the signing certificate is not a PEM certificate")
    try:
        der = base64.b64decode(b"".join(found.group(1).split()))
        certificate = _children(_tlv(der, 0)[1])
        tbs = _children(certificate[0][1])
        if tbs and tbs[0][0] == 0xA0:  # [0] version
            tbs = tbs[1:]
        spki = tbs[5][2]  # serial, algorithm, issuer, validity, subject, key
        return parse_public_key(spki)
    except (IndexError, ValueError, UnparsableKeyError):
        raise Refused("the signing certificate could not be read") from None


def _tlv(data: bytes, at: int) -> tuple[int, bytes, bytes, int]:
    """(tag, content, whole element, next offset) of the DER element at `at`."""
    tag, length, start = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("bad DER length")
        length, start = int.from_bytes(data[start:start + count], "big"), start + count
    end = start + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, data[start:end], data[at:end], end


def _children(data: bytes) -> list[tuple[int, bytes, bytes]]:
    out, at = [], 0
    while at < len(data):
        tag, content, whole, at = _tlv(data, at)
        out.append((tag, content, whole))
    return out
