"""Admin → Organisation: the logo (PNG or JPEG only, checked and re-encoded
by Pillow, SVG refused) and the postal address, which receipts print."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

import modules.contacts.models  # noqa: F401  (the pipeline models refer to Contact by name)
from app import organisation, settings
from tests.conftest import login

URL = "/admin/settings"


def image_bytes(kind="PNG", size=(300, 120), colour=(31, 95, 139)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def form_of(client) -> dict:
    """The Organisation form as the page shows it, ready to post back."""
    html = client.get(URL).get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        data[name] = chosen[1] if chosen else ""
    data["postal_address"] = re.search(r'<textarea[^>]*name="postal_address"[^>]*>\n?(.*?)</textarea>', html,
                                       re.S)[1]
    data.pop("remove_logo", None)
    return data


def send(client, *, logo=None, name="logo.png", **values):
    data = {**form_of(client), **values}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), name)
    return client.post(URL, data=data, content_type="multipart/form-data")


def stored_logo(app) -> str:
    with app.test_request_context():
        return settings.get("core", "logo")


def test_a_png_logo_is_re_encoded_stored_and_shown(app, client, admin):
    login(client, admin.email)
    payload = b"<script>alert(1)</script>"
    response = send(client, logo=image_bytes() + payload)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    name = stored_logo(app)
    assert re.fullmatch(r"logo-[0-9a-f]{16}\.png", name)
    with app.test_request_context():
        path = organisation.logo_path()
        kept = path.read_bytes()
    assert path.parent.parent.resolve() == Path(app.instance_path).resolve()
    assert payload not in kept  # pixels Steward wrote, not the uploaded bytes
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.size) == ("PNG", (300, 120))
    page = client.get(URL).get_data(as_text=True)
    assert f'src="/admin/settings/logo/{name}"' in page and "The current logo" in page
    served = client.get(f"/admin/settings/logo/{name}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == kept
    assert client.get("/admin/settings/logo/logo-0000000000000000.png").status_code == 404

    assert send(client, logo=image_bytes(colour=(200, 30, 30))).status_code == 303
    assert stored_logo(app) != name and not path.exists()  # the replaced file is gone
    assert send(client, remove_logo="y").status_code == 303
    assert stored_logo(app) == ""
    assert list(path.parent.iterdir()) == []
    assert "The current logo" not in client.get(URL).get_data(as_text=True)


def test_a_big_jpeg_is_shrunk_to_fit(app, client, admin):
    login(client, admin.email)
    assert send(client, logo=image_bytes("JPEG", (2400, 800)), name="logo.jpg").status_code == 303
    with app.test_request_context(), Image.open(organisation.logo_path()) as image:
        assert image.format == "PNG" and image.size == (1200, 400)


def test_refused_logos_say_why_and_change_nothing(app, client, admin):
    login(client, admin.email)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    cases = [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "logo.svg", "SVG logos are not accepted: they can carry scripts."),
        (b"<svg onload=alert(1)></svg>", "logo.png", "SVG logos are not accepted"),
        (b"not an image at all", "logo.png", "This file is not a PNG or JPEG image Steward can read."),
        (gif.getvalue(), "logo.gif", "A GIF image is not accepted."),
        (b"\x89PNG" + b"0" * (1024 * 1024 + 10), "logo.png", "The logo is larger than 1 MB."),
        (image_bytes(size=(5000, 4000)), "logo.png", "at most 4,000 × 4,000 are accepted"),
    ]
    for data, name, message in cases:
        response = send(client, logo=data, name=name, org_name="Renamed meanwhile")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert message in html.replace("&#39;", "'"), (name, message)
        assert 'id="logo-error"' in html
    assert stored_logo(app) == ""
    with app.test_request_context():
        assert settings.get("core", "org_name") == "Steward"  # nothing of the refused save was kept


def test_the_postal_address_and_logo_reach_the_receipt_letter(app, client, admin):
    login(client, admin.email)
    assert send(client, logo=image_bytes(), postal_address=" 12 Mill Lane \r\n\r\n Riverside RV1 2AB ").status_code \
        == 303
    with app.test_request_context():
        from modules.pipeline.receipts import fields, options, pdf

        assert settings.get("core", "postal_address") == "12 Mill Lane\nRiverside RV1 2AB"
        assert options.org_address_lines() == ["12 Mill Lane", "Riverside RV1 2AB"]
        assert fields.org()["address"] == "12 Mill Lane, Riverside RV1 2AB"
        html = pdf.page_html([{"to_name": "Ada", "to_lines": [], "date": "1 May 2026", "body": "<p>Thanks</p>",
                               "subject": "Thank you"}])
        assert '<img class="org-logo" src="data:image/png;base64,' in html
        assert "12 Mill Lane<br>Riverside RV1 2AB" in html
        assert pdf.to_pdf(html)[:5] == b"%PDF-"
    # The receipts page edits the same address, not a copy of it.
    page = client.get("/pipeline/receipts/templates/").get_data(as_text=True)
    assert "12 Mill Lane\nRiverside RV1 2AB</textarea>" in page


def test_email_shows_the_logo_from_a_public_address_not_a_data_url(app, client, admin):
    """Gmail and others show no data: images: mail links to /org/logo.png on BASE_URL."""
    from modules.marketing.rendering import org_fields
    from tests.conftest import logout

    login(client, admin.email)
    assert client.get("/org/logo.png").status_code == 404  # no logo yet
    assert send(client, logo=image_bytes()).status_code == 303
    name = stored_logo(app)
    with app.test_request_context():
        url = organisation.logo_url()
        kept = organisation.logo_path().read_bytes()
        assert org_fields()["logo_url"] == url
    digest = name.removeprefix("logo-").removesuffix(".png")
    assert url == app.config["BASE_URL"].rstrip("/") + f"/org/logo.png?v={digest}"
    logout(client)
    served = client.get(f"/org/logo.png?v={digest}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == kept
    assert "max-age=86400" in served.headers["Cache-Control"]
