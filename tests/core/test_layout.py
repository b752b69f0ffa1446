"""The page shell: navigation built from modules and permissions."""

from __future__ import annotations

import re

from tests.conftest import login, make_user


def current_items(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html)


def test_the_menu_marks_exactly_the_current_entry(client, admin):
    login(client, admin.email)
    assert current_items(client.get("/").get_data(as_text=True)) == ["Dashboard"]
    assert current_items(client.get("/contacts/tasks").get_data(as_text=True)) == ["My tasks"]
    assert current_items(client.get("/contacts/").get_data(as_text=True)) == ["Contacts"]
    assert current_items(client.get("/admin/users").get_data(as_text=True)) == ["Admin"]


def test_the_menu_shows_only_what_the_role_may_open(app, client):
    make_user(app, "vol@example.org", "volunteer", "Val")
    login(client, "vol@example.org")
    html = client.get("/").get_data(as_text=True)
    menu = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    assert ">Contacts<" in menu and ">Dashboard<" in menu
    assert ">Admin<" not in menu
