"""Is an open a person or a machine? The rules, in order (docs/marketing.md,
"Opens: people and machines"):

1. Apple Mail Privacy Protection: Apple's proxy fetches every image of every
   message when it arrives, whether anyone reads it. It sends the bare user
   agent "Mozilla/5.0" and comes from Apple's network 17.0.0.0/8: machine.
2. Mail filters and link scanners (Barracuda, Mimecast, Proofpoint, and
   anything calling itself a bot, crawler or scanner, or a plain HTTP
   library): machine.
3. Image proxies that fetch when the person opens the message, Gmail's
   (GoogleImageProxy) and Yahoo's (YahooMailProxy): a person, unless the
   fetch comes within PREFETCH_SECONDS of the message's delivery, which no
   reader does: then it is the proxy prefetching, a machine.
4. Anything else (a mail app, a browser): a person.

Only the verdict and the rule's name are stored, never the IP address or
the user agent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

APPLE_PROXY_AGENT = "Mozilla/5.0"
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
SCANNERS = ("barracuda", "mimecast", "proofpoint", "bot", "crawler", "spider", "scanner", "python-requests",
            "curl/", "wget/", "go-http-client", "java/", "okhttp")
PROXIES = {"googleimageproxy": "Gmail's image proxy", "yahoomailproxy": "Yahoo Mail's image proxy"}
PREFETCH_SECONDS = 15


@dataclass(frozen=True)
class Verdict:
    human: bool
    why: str

    @property
    def kind(self) -> str:
        return "open_human" if self.human else "open_machine"


def _apple_ip(ip: str | None) -> bool:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return False
    return any(address in net for net in APPLE_NETWORKS)


def classify(agent: str | None, ip: str | None, sent_at: datetime | None, now: datetime) -> Verdict:
    agent = (agent or "").strip()
    low = agent.lower()
    if agent == APPLE_PROXY_AGENT or _apple_ip(ip):
        return Verdict(False, "Apple Mail Privacy Protection")
    if not agent or any(word in low for word in SCANNERS):
        return Verdict(False, "A mail filter or scanner")
    for key, name in PROXIES.items():
        if key in low:
            if sent_at is not None and (now - sent_at).total_seconds() < PREFETCH_SECONDS:
                return Verdict(False, f"{name}, fetching on delivery")
            return Verdict(True, name)
    return Verdict(True, "A mail app or browser")
