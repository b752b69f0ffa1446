"""Every page links one stylesheet: the core's and the enabled modules'
styles joined, under an address that changes with their content."""

from __future__ import annotations

import os
import re

from app.assets import StyleBundle


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html.split("</head>")[0])


def test_a_page_links_one_stylesheet_holding_the_core_and_every_enabled_modules_styles(app, admin_client):
    [address] = stylesheets(admin_client.get("/contacts/").get_data(as_text=True))
    response = admin_client.get(address)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.get_data(as_text=True)
    state = app.extensions["steward"]
    names = ["steward.css", "template-editor.css", *(path.rsplit("/", 1)[1] for path in state.styles)]
    assert len(names) > 3  # the modules under test do bring styles
    positions = [body.index(f"/* {name} */") for name in names]
    assert positions == sorted(positions)
    with open(os.path.join(app.static_folder, "css", "steward.css")) as core:
        assert core.read() in body


def test_the_setup_page_gets_its_styles_before_anyone_has_signed_up(client):
    [address] = stylesheets(client.get("/setup").get_data(as_text=True))
    assert client.get(address).status_code == 200


def test_an_old_address_gets_todays_styles_without_being_kept(admin_client):
    [address] = stylesheets(admin_client.get("/").get_data(as_text=True))
    old = admin_client.get("/assets/steward-0000000000000000.css")
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    assert old.get_data() == admin_client.get(address).get_data()


def test_an_edited_file_changes_the_address(tmp_path):
    (tmp_path / "a.css").write_text("a { color: red }")
    (tmp_path / "b.css").write_text("b { color: blue }")
    bundle = StyleBundle(str(tmp_path), ["a.css", "b.css"])
    first = bundle.current().digest
    assert bundle.current().digest == first
    (tmp_path / "b.css").write_text("b { color: green }")
    stat = os.stat(tmp_path / "b.css")
    os.utime(tmp_path / "b.css", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert bundle.current().digest != first
    assert bundle.body.decode().endswith("b { color: green }")
