"""DKIM signing with the key the admin gave (dkimpy). The signed headers
include List-Unsubscribe and List-Unsubscribe-Post, as RFC 8058 asks, so a
receiver can trust the one-click address."""

from __future__ import annotations

import dkim as dkimpy

SIGNED = (b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"List-Id",
          b"List-Unsubscribe", b"List-Unsubscribe-Post", b"MIME-Version", b"Content-Type")


def sign(raw: bytes, selector: str, domain: str, private_key: str) -> bytes:
    """The message with its DKIM-Signature header first."""
    signature = dkimpy.sign(raw, selector.encode(), domain.encode(), private_key.encode(),
                            include_headers=list(SIGNED))
    return signature + raw


def key_problem(private_key: str) -> str | None:
    """Why a pasted key cannot sign, or None (checked on the settings page)."""
    try:
        dkimpy.sign(b"From: a@example.org\r\nSubject: t\r\n\r\nx\r\n", b"s", b"example.org", private_key.encode())
    except Exception as error:  # noqa: BLE001 (dkimpy raises several kinds for a bad key)
        return f"This key cannot sign messages: {error}"
    return None
