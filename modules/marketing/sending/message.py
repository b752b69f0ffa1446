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
from email.utils import formataddr, formatdate
from urllib.parse import quote

from modules.marketing import verp
from modules.marketing.sending import dkim, mime
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


def build(campaign, recipient, rendered: tuple[str, str, str], links: dict, options: Options,
          from_name: str, from_email: str, reply_to: str) -> Envelope:
    subject, html, text = rendered
    domain = domain_of(from_email)
    ident = message_id(campaign.id, recipient.id, domain)
    mailto_address = f"unsubscribe@{options.bounce_domain}" if options.bounce_domain else from_email
    one_click = links["unsubscribe"].split("?")[0]
    mailto = f"mailto:{mailto_address}?subject={quote('unsubscribe ' + one_click.rsplit('/', 1)[-1])}"
    headers = [("From", formataddr((from_name, from_email), "utf-8") if from_name else from_email),
               ("To", recipient.email), ("Subject", subject), ("Date", formatdate(localtime=False, usegmt=True)),
               ("Message-ID", ident)]
    if reply_to:
        headers.append(("Reply-To", reply_to))
    headers += [("List-Unsubscribe", f"<{links['unsubscribe']}>, <{mailto}>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("List-Id", list_id(campaign, domain)), ("Precedence", "bulk"),
                ("X-Steward-Campaign", str(campaign.id))]
    text = (f"{text}\n\nView this email in your browser: {links['view']}\n"
            f"Unsubscribe or change what you receive: {links['preferences']}\n")
    raw = mime.alternative(headers, text, html)
    if options.dkim:
        raw = dkim.sign(raw, options.dkim_selector, options.dkim_domain, options.dkim_key)
    envelope_from = verp.address(recipient.id, options.bounce_domain) if options.bounce_domain else from_email
    return Envelope(envelope_from, recipient.email, raw, ident)
