"""Every error status gets Steward's own page, with its layout and a way
back, never Werkzeug's bare one (issue 16, part 7)."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _is_steward_page(html: str) -> bool:
    return '<main id="main"' in html and 'class="error-page"' in html and "Back to the start page" in html


def test_a_bad_request_shows_stewards_page(app, admin_client):
    response = admin_client.get("/contacts/merge")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _is_steward_page(html), html[:300]
    assert "Something is missing" in html and "Bad Request" not in html


def test_a_wrong_method_says_so_and_keeps_its_allow_header(app, admin_client):
    response = admin_client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert _is_steward_page(response.get_data(as_text=True))


def test_redirects_still_redirect(app, admin_client):
    """A missing trailing slash is a redirect (an HTTPException too), not an error page."""
    response = admin_client.get("/admin")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/admin/")


def test_an_error_page_without_signing_in_points_to_sign_in(app, client):
    response = client.post("/login", data={"email": "x@example.org", "password": PASSWORD})  # no CSRF token
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<a href="/login">Go to sign in</a>', html)
