"""Stripe sends amounts in the currency's smallest unit. Which unit that is
follows Stripe's own list, which is not quite ISO 4217's (for instance ISK
and UGX are sent with two decimals)."""

from __future__ import annotations

from decimal import Decimal

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


def from_minor(amount: int, currency: str) -> Decimal:
    code = currency.upper()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return (Decimal(int(amount)) / (Decimal(10) ** places)).quantize(Decimal("0.01"))
