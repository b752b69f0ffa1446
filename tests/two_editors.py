"""Two signed-in people with the same form open: the set-up of every
edit-conflict test (app/edits). Ada is an admin; Sam has `sam_role`."""

from __future__ import annotations

from tests.conftest import login, make_user
from tests.forms import form_data


def two_editors(app, sam_role: str = "admin"):
    """Two test clients, signed in as Ada Admin and as Sam Lee."""
    make_user(app)
    make_user(app, email="sam@example.org", name="Sam Lee", role_key=sam_role)
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second, "sam@example.org")
    return first, second


def page(client, url: str, **headers) -> str:
    """The page at `url`, which must open."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def both_open(first, second, url: str, action: str | None = None):
    """What each of the two would post from the form at `url`, as each saw it."""
    action = action or url
    return form_data(page(first, url), action), form_data(page(second, url), action)
