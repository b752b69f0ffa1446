"""Lists that change with a filter say their new count through the page's
one live region (#live-announce, macros/announce.html), out of band: the
results are swapped whole, and a live region swapped in with its text is
not reliably read. A whole page sends nothing out of band."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline import opportunities as service
from modules.pipeline.models import Pipeline

HTMX = {"HX-Request": "true"}
OOB = '<span id="live-announce" hx-swap-oob="innerHTML">'


@pytest.fixture
def two_gifts(app):
    with app.app_context():
        donor = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.flush()
        for amount in ("10", "15.50"):
            gifts.record_gift(contact_id=donor.id, amount=Decimal(amount), received_on=date(2026, 3, 1))
        db.session.commit()


def _said(html: str) -> str:
    start = html.index(OOB) + len(OOB)
    return html[start:html.index("</span>", start)]


def test_filtered_gifts_say_their_totals(admin_client, two_gifts):
    fragment = admin_client.get("/pipeline/gifts/?min=5", headers=HTMX).get_data(as_text=True)
    assert _said(fragment) == "2 gifts totalling $25.50"
    none = admin_client.get("/pipeline/gifts/?min=1000", headers=HTMX).get_data(as_text=True)
    assert _said(none) == "No gifts match these filters."
    whole = admin_client.get("/pipeline/gifts/").get_data(as_text=True)
    assert OOB not in whole and '<p id="live-announce" class="visually-hidden" role="status"></p>' in whole


def test_filtered_opportunities_say_how_many_not_the_whole_table(admin_client, app):
    with app.app_context():
        stage = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts")).stages[0]
        donor = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.flush()
        for name in ("Lab", "Library"):
            service.create(stage=stage, contact_id=donor.id, name=name, amount=Decimal("100"))
        db.session.commit()
    fragment = admin_client.get("/pipeline/opportunities/?status=open", headers=HTMX).get_data(as_text=True)
    assert _said(fragment) == "2 opportunities shown."
    fragment = admin_client.get("/pipeline/opportunities/?status=won", headers=HTMX).get_data(as_text=True)
    assert _said(fragment) == "No opportunities match."
    page = admin_client.get("/pipeline/opportunities/").get_data(as_text=True)
    assert 'id="opportunity-results" aria-live' not in page and OOB not in page
