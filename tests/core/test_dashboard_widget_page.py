"""Each dashboard widget also answers on its own URL (a page, or the card
alone for HTMX), as the dashboard shows it; only to a role that may see it."""

from __future__ import annotations

import re

from tests.conftest import login, logout, make_user


def test_each_widget_the_dashboard_shows_has_its_own_page_and_fragment(app, admin_client):
    dashboard = admin_client.get("/").get_data(as_text=True)
    names = re.findall(r'<section class="card widget" aria-labelledby="widget-([\w-]+)">', dashboard)
    assert "getting-started" in names and "recent-activity" in names
    for name in names:
        page = admin_client.get(f"/dashboard/widgets/{name}")
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert "<html" in html and f'aria-labelledby="widget-{name}"' in html
        fragment = admin_client.get(f"/dashboard/widgets/{name}", headers={"HX-Request": "true"})
        body = fragment.get_data(as_text=True)
        assert fragment.status_code == 200 and "<html" not in body
        assert body.strip().startswith(f'<section class="card widget" aria-labelledby="widget-{name}">')
        assert "HX-Request" in fragment.headers["Vary"]
    title = re.search(r'<h2 id="widget-getting-started">([^<]+)</h2>', dashboard)[1]
    assert f"<h1>{title}</h1>" in admin_client.get("/dashboard/widgets/getting-started").get_data(as_text=True)


def test_a_widget_the_role_may_not_see_or_that_does_not_exist_is_not_found(app, client, admin):
    login(client, admin.email)
    assert client.get("/dashboard/widgets/no-such-widget").status_code == 404
    logout(client)
    make_user(app, "staff@example.org", role_key="staff", name="Sam Staff")
    login(client, "staff@example.org")
    assert "widget-getting-started" not in client.get("/").get_data(as_text=True)  # needs admin.settings
    assert client.get("/dashboard/widgets/getting-started").status_code == 404
