"""Where a webhook may be sent. A URL typed by an administrator could
otherwise reach the database server, the cloud's metadata service or an
intranet page (server-side request forgery). The host is resolved before
connecting and every address it resolves to must be public: not loopback,
link-local, private, shared (CGNAT), multicast, unspecified or reserved, in
IPv4 or IPv6, an IPv4 address mapped or tunnelled in IPv6 included. The
sender then connects to the address checked here, never resolving again,
so a DNS answer that changes in between (rebinding) cannot slip through.
Hosts an administrator lists in Admin → Webhooks → Settings are exempt."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from app import settings

SETTING = "webhooks_allowed_hosts"  # a core setting: host names or addresses, one per line


class Refused(Exception):
    """The URL may not be called; the message says why, for the delivery log."""


def allowed_hosts() -> set[str]:
    text = settings.get("core", SETTING) or ""
    return {normal_host(h) for h in text.replace(",", "\n").split() if h.strip()}


def normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def why_blocked(address: str) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return why_blocked(str(embedded)) or None
    for kind, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("multicast", ip.is_multicast), ("unspecified", ip.is_unspecified),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return kind
    if not ip.is_global:
        return "non-public"
    return None


def split(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"The URL is not valid: {error}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("The URL must start with https:// or http:// and name a host.")
    if parts.username or parts.password:
        raise Refused("The URL must not carry a user name or password.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) once the host's every
    address passed, or Refused. No packet goes to the host before this."""
    scheme, host, port = split(url)
    exempt = normal_host(host) in allowed_hosts()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"The host {host} could not be resolved: {error}.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Refused(f"The host {host} has no address.")
    if not exempt:
        for address in addresses:
            kind = why_blocked(address)
            if kind:
                raise Refused(f"{host} is {address}, a {kind} address: webhooks are not sent to internal "
                              f"networks unless the host is allowed in Admin → Webhooks → Settings.")
    return scheme, host, port, addresses[0]


def literal_refusal(url: str) -> str | None:
    """For the endpoint form: a URL whose host is an internal address
    written out (no DNS needed to tell), and not allowed; else None."""
    try:
        _, host, _ = split(url)
    except Refused as error:
        return str(error)
    try:
        kind = why_blocked(normal_host(host))
    except ValueError:
        return None  # a name: checked when sending
    if kind and normal_host(host) not in allowed_hosts():
        return (f"{host} is a {kind} address. Webhooks are not sent to internal networks unless the host "
                f"is allowed in Admin → Webhooks → Settings.")
    return None
