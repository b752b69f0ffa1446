"""The contact picker's error and hint belong to its search box
(aria-describedby), so a screen reader reads them where the fix is typed."""

from __future__ import annotations

import re

from tests.conftest import csrf_from


def _search_box(html: str, dom_id: str) -> str:
    match = re.search(rf'<input id="{dom_id}-q"[^>]*>', html)
    assert match, f"no search box {dom_id}-q"
    return match.group(0)


def test_the_donor_pickers_error_describes_its_search_box(admin_client):
    page = admin_client.get("/pipeline/gifts/new").get_data(as_text=True)
    assert 'aria-invalid' not in _search_box(page, "contact-id")
    response = admin_client.post("/pipeline/gifts/new", data={
        "csrf_token": csrf_from(admin_client, "/pipeline/gifts/new"),
        "amount": "10", "received_on": "2026-03-01", "payment_method": "cash"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    box = _search_box(html, "contact-id")
    described = re.search(r'aria-describedby="([^"]*)"', box).group(1).split()
    assert "contact-id-error" in described and 'aria-invalid="true"' in box
    assert re.search(r'<p class="error" id="contact-id-error">Search for the donor and choose them.</p>', html)
