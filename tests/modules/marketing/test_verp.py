"""VERP return paths: a recipient id survives the round trip through a
bounce address (whatever case a mail server gives it back in); a forged,
altered or foreign token names nobody."""

from __future__ import annotations

import pytest

from modules.marketing import verp


def test_a_return_path_names_its_recipient_and_nothing_else(ctx):
    address = verp.return_path(1234567, "bounces@mail.example.org")
    local, domain = address.split("@")
    assert domain == "mail.example.org" and local.startswith("bounces+r") and len(local) < 64
    assert verp.read(address) == 1234567
    assert verp.read(f"Mail Delivery <{address.upper()}>") == 1234567  # a server that upper-cased it
    assert verp.return_path(5, "bounces+old@mail.example.org").startswith("bounces+r5-")
    assert verp.recipient_id_of(verp.address(77, "mail.example.org")) == 77  # as the sending engine calls it
    token = verp.make_token(1234567)
    other = verp.make_token(1234568)
    forged = f"{other.split('-')[0]}-{token.split('-')[1]}"  # another id with this one's signature
    for wrong in (f"bounces+{forged}@mail.example.org", "bounces@mail.example.org", "bounces+r1-zz@x.org",
                  "bounces+@mail.example.org", "", "not an address"):
        assert verp.read(wrong) is None


def test_a_token_from_another_site_names_nobody(app, ctx):
    token = verp.make_token(42)
    app.config["SECRET_KEY"] = "another site's secret, long enough to look real"
    assert verp.read_token(token) is None
    assert verp.read_token(verp.make_token(42)) == 42
    with pytest.raises(ValueError):
        verp.return_path(1, "no-at-sign")
