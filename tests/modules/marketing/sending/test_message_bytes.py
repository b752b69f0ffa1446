"""The bytes of a campaign message (modules/marketing/sending/mime.py),
read back by the standard library's parser as a mail client would: every
header and both parts come back exactly as written, whatever the text
holds (non-ASCII, long lines, '=' and '.', trailing spaces, a line that
looks like the boundary), and every line ends in CRLF within RFC 5322's
limits."""

from __future__ import annotations

import email
from email import policy

from modules.marketing.sending import mime

AWKWARD_TEXT = ("Dear Zoë,\n\n= not an escape =3D\n.a line starting with a dot\nFrom the start\n"
                "trailing spaces   \n" + "long " * 60 + "\n--=_steward_fake\n😀 emoji\n")
AWKWARD_HTML = '<p style="color:#333">Grüße &amp; <a href="https://example.org/?a=1&b=2">a link</a></p>' * 12


def _parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def _content(msg, subtype: str) -> str:
    """A part's text, its line breaks as a client shows them."""
    return msg.get_body((subtype,)).get_content().replace("\r\n", "\n")


def test_both_parts_and_every_header_read_back_exactly():
    subject = "Zoë, a long subject line that runs well past seventy-eight characters " * 2
    headers = [("From", "news@park.example.org"), ("To", "zoe@example.org"), ("Subject", subject.strip()),
               ("List-Unsubscribe", "<https://crm.example.org/marketing/u/" + "x" * 90 + ">, "
                                    "<mailto:unsubscribe@bounce.example.org?subject=unsubscribe%20abc>"),
               ("List-Id", '"Newsletter" <topic-1.park.example.org>')]
    raw = mime.alternative(headers, AWKWARD_TEXT, AWKWARD_HTML)
    msg = _parsed(raw)
    assert msg["Subject"] == subject.strip()
    assert msg["From"] == "news@park.example.org" and msg["To"] == "zoe@example.org"
    assert msg["List-Id"] == '"Newsletter" <topic-1.park.example.org>'
    assert msg["List-Unsubscribe"].startswith("<https://crm.example.org/marketing/u/xxx")
    assert msg["List-Unsubscribe"].endswith("subject=unsubscribe%20abc>")
    assert msg.get_content_type() == "multipart/alternative" and msg["MIME-Version"] == "1.0"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert _content(msg, "plain") == AWKWARD_TEXT
    assert _content(msg, "html").rstrip("\n") == AWKWARD_HTML  # the line break before the boundary is the MIME's
    assert not msg.defects and all(not part.defects for part in msg.walk())


def test_every_line_ends_in_crlf_and_stays_short_enough():
    raw = mime.alternative([("Subject", "Hello " * 40)], AWKWARD_TEXT, AWKWARD_HTML)
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.isascii()
    assert max(len(line) for line in lines) <= 78  # headers folded, quoted-printable soft breaks at 76


def test_a_header_value_cannot_carry_a_line_break_into_the_headers():
    raw = mime.alternative([("Subject", "Hello\r\nBcc: victim@example.org")], "hi", "<p>hi</p>")
    msg = _parsed(raw)
    assert msg["Bcc"] is None and msg["Subject"] == "Hello Bcc: victim@example.org"
