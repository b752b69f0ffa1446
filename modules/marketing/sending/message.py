"""One recipient's message as bytes, with the headers every campaign
message carries:

- List-Unsubscribe: the HTTPS one-click URL and a mailto;
  List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058);
- List-Id (RFC 2919), a unique Message-ID (stored on the row), Precedence: bulk;
- the envelope sender: a per-recipient VERP address when a bounce domain is set;
- a DKIM signature over all of these when a key is set (dkim.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from urllib.parse import quote

from modules.marketing import verp
from modules.marketing.sending import dkim
from modules.marketing.sending.options import Options


@dataclass(frozen=True)
class Envelope:
    sender: str  # MAIL FROM
    recipient: str
    raw: bytes
    message_id: str


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def message_id(campaign_id: int, recipient_id: int, domain: str) -> str:
    return f"<c{campaign_id}.r{recipient_id}.{secrets.token_hex(6)}@{domain}>"


def list_id(campaign, from_domain: str) -> str:
    topic = getattr(campaign, "topic", None)
    name = topic.name if topic is not None else "Campaigns"
    label = f"topic-{campaign.topic_id}" if campaign.topic_id else "campaigns"
    clean = "".join(ch for ch in name if ch not in '<>"')
    return f'"{clean}" <{label}.{from_domain}>'


# The compat32 MIME classes: several times faster than EmailMessage's header
# parsing and refolding, which dominated the send rate.
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP


def _text(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _part(content: str, subtype: str) -> MIMEText:
    part = MIMEText(content, subtype, UTF8)
    del part["MIME-Version"]
    return part


def build(campaign, recipient, rendered: tuple[str, str, str], links: dict, options: Options,
          from_name: str, from_email: str, reply_to: str) -> Envelope:
    subject, html, text = rendered
    domain = domain_of(from_email)
    msg = MIMEMultipart("alternative")
    msg["From"] = formataddr((from_name, from_email), "utf-8") if from_name else from_email
    msg["To"] = recipient.email
    msg["Subject"] = _text(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    ident = message_id(campaign.id, recipient.id, domain)
    msg["Message-ID"] = ident
    if reply_to:
        msg["Reply-To"] = reply_to
    mailto_address = f"unsubscribe@{options.bounce_domain}" if options.bounce_domain else from_email
    one_click = links["unsubscribe"].split("?")[0]
    mailto = f"mailto:{mailto_address}?subject={quote('unsubscribe ' + one_click.rsplit('/', 1)[-1])}"
    msg["List-Unsubscribe"] = f"<{links['unsubscribe']}>, <{mailto}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = _text(list_id(campaign, domain))
    msg["Precedence"] = "bulk"
    msg["X-Steward-Campaign"] = str(campaign.id)
    msg.attach(_part(f"{text}\n\nView this email in your browser: {links['view']}\n"
                     f"Unsubscribe or change what you receive: {links['preferences']}\n", "plain"))
    msg.attach(_part(html, "html"))
    raw = msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if options.dkim:
        raw = dkim.sign(raw, options.dkim_selector, options.dkim_domain, options.dkim_key)
    envelope_from = verp.address(recipient.id, options.bounce_domain) if options.bounce_domain else from_email
    return Envelope(envelope_from, recipient.email, raw, ident)
