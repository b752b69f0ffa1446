"""Admin → Campaign sending: values saved and read by the job, a bad key or
half a DKIM set-up refused next to its field, the key never shown back, and
two admins saving at once (app/edits)."""

from __future__ import annotations

import subprocess

from app import settings
from modules.marketing.sending import options
from tests.conftest import post_form
from tests.forms import changed
from tests.two_editors import both_open, two_editors

URL = "/marketing/settings/sending"
VALID = {"send_batch_size": "150", "send_rate_per_second": "14", "send_hourly_cap": "0", "send_daily_cap": "2000",
         "send_pause_share": "10", "send_bounce_domain": "Bounces.Park.example.org", "dkim_selector": "",
         "dkim_domain": "", "dkim_private_key": ""}


def _stored(app) -> options.Options:
    with app.test_request_context():
        return options.current()


def test_saved_settings_are_what_the_job_reads(app, admin_client):
    page = admin_client.get(URL)
    assert page.status_code == 200 and "Messages per second" in page.get_data(as_text=True)
    answer = post_form(admin_client, URL, VALID)
    assert answer.status_code == 303
    stored = _stored(app)
    assert (stored.batch_size, stored.rate, stored.hourly_cap, stored.daily_cap, stored.pause_share) == \
        (150, 14, 0, 2000, 10)
    assert stored.bounce_domain == "bounces.park.example.org" and not stored.dkim


def test_bad_values_come_back_next_to_their_fields_and_nothing_is_saved(app, admin_client):
    answer = post_form(admin_client, URL, {**VALID, "send_batch_size": "0", "send_bounce_domain": "not a domain",
                                           "dkim_selector": "steward", "dkim_private_key": "-----BEGIN nonsense"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Give a domain name such as bounces.example.org." in html
    assert "This key cannot sign messages" in html
    assert "Give both the selector and the domain, or neither." in html
    assert _stored(app).batch_size == options.DEFAULTS["send_batch_size"]


def test_the_key_is_kept_never_shown_and_can_be_removed(app, admin_client, tmp_path):
    key = tmp_path / "k.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "1024"], check=True, capture_output=True)
    pem = key.read_text()
    dkim_on = {**VALID, "dkim_selector": "s1", "dkim_domain": "park.example.org"}
    assert post_form(admin_client, URL, {**dkim_on, "dkim_private_key": pem}).status_code == 303
    assert _stored(app).dkim and _stored(app).dkim_key == pem.strip()
    html = admin_client.get(URL).get_data(as_text=True)
    assert "PRIVATE KEY-----" not in html.split("DKIM private key", 1)[1].split("</textarea>")[0] \
        and "A key is stored" in html
    assert post_form(admin_client, URL, dkim_on).status_code == 303  # empty box: the key stays
    assert _stored(app).dkim_key == pem.strip()
    assert post_form(admin_client, URL, {**dkim_on, "dkim_remove_key": "y"}).status_code == 303
    assert not _stored(app).dkim and _stored(app).dkim_key == ""


def test_two_admins_saving_at_once_merge_or_clash(app):
    first, second = two_editors(app)
    form_a, form_b = both_open(first, second, URL)
    assert first.post(URL, data=changed(form_a, send_rate_per_second="5")).status_code == 303
    merged = second.post(URL, data=changed(form_b, send_daily_cap="900"), follow_redirects=True)
    assert merged.status_code == 200 and "were kept" in merged.get_data(as_text=True)
    assert (_stored(app).rate, _stored(app).daily_cap) == (5, 900)

    form_a, form_b = both_open(first, second, URL)
    assert first.post(URL, data=changed(form_a, send_batch_size="100")).status_code == 303
    clash = second.post(URL, data=changed(form_b, send_batch_size="400"))
    assert clash.status_code == 409 and "Ada Admin changed this" in clash.get_data(as_text=True)
    assert _stored(app).batch_size == 100
    with app.test_request_context():
        assert settings.get("marketing", "send_batch_size") == 100
