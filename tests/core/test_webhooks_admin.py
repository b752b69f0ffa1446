"""Admin → Webhooks: adding, editing (two editors), pausing, rotating and
deleting endpoints, the secret shown once, the allowed hosts, permissions."""

from __future__ import annotations

import json
import re

from app.extensions import db
from app.models import AuditEntry, WebhookDelivery, WebhookEndpoint, WebhookMessage
from tests.conftest import csrf_from, login, make_user, post_form
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors

SECRET_RE = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def add(client, url="https://hooks.example.org/steward", events=("contact.created",), **extra):
    data = {"url": url, "description": "Accounting sync", "events": list(events),
            "notify_email": "ops@example.org", "active": "y", **extra}
    return post_form(client, "/admin/webhooks/new", data)


def stored(app) -> WebhookEndpoint:
    with app.app_context():
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        db.session.expunge(endpoint)
        return endpoint


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(app, admin_client):
    response = add(admin_client, events=("contact.created", "gift.recorded"))
    assert response.status_code == 303
    endpoint = stored(app)
    assert response.headers["Location"].endswith(f"/admin/webhooks/{endpoint.id}/secret")
    assert json.loads(endpoint.events) == ["contact.created", "gift.recorded"]
    assert (endpoint.url, endpoint.notify_email, endpoint.active) == (
        "https://hooks.example.org/steward", "ops@example.org", True)

    first = admin_client.get(f"/admin/webhooks/{endpoint.id}/secret")
    assert first.headers["Cache-Control"] == "no-store"
    shown = SECRET_RE.search(first.get_data(as_text=True)).group(1)
    assert shown == endpoint.secret and shown.startswith("whsec_")
    again = admin_client.get(f"/admin/webhooks/{endpoint.id}/secret").get_data(as_text=True)
    assert endpoint.secret not in again and "already shown once" in again
    listing = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert "https://hooks.example.org/steward" in listing and "Accounting sync" in listing
    assert endpoint.secret not in admin_client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    with app.app_context():
        summaries = db.session.scalars(db.select(AuditEntry.summary).where(
            AuditEntry.object_type == "core_webhook_endpoint")).all()
        assert "Added the webhook endpoint https://hooks.example.org/steward" in summaries
        assert all(endpoint.secret not in s for s in summaries)


def test_the_form_says_what_is_wrong(app, admin_client):
    response = add(admin_client, url="ftp://example.org/x", events=())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one event." in html and "must start with https:// or http://" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookEndpoint.id))) == 0


def test_an_internal_address_needs_the_host_allowed(app, admin_client):
    response = add(admin_client, url="http://10.0.0.1/hook")
    assert response.status_code == 422
    assert "10.0.0.1 is a private address" in response.get_data(as_text=True)

    saved = post_form(admin_client, "/admin/webhooks/settings", {"webhooks_allowed_hosts": "10.0.0.1\n[::1], sync.lan"})
    assert saved.status_code == 303
    page_html = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert "10.0.0.1, ::1, sync.lan" in page_html
    assert add(admin_client, url="http://10.0.0.1/hook").status_code == 303


def test_pausing_keeps_new_events_from_the_endpoint_and_enabling_sends_what_waited(app, admin_client):
    from modules.contacts.people import records

    add(admin_client)
    endpoint = stored(app)
    url = f"/admin/webhooks/{endpoint.id}"
    with app.app_context():
        records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.commit()
    form = form_data(page(admin_client, url), url)
    form.pop("active")
    assert admin_client.post(url, data=form).status_code == 303
    assert not stored(app).active
    with app.app_context():
        records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 1  # not for Grace
    html = page(admin_client, url)
    assert "Paused by an administrator." in html and "Waiting" in html
    response = admin_client.post(url, data=changed(form_data(html, url), active="y"), follow_redirects=True)
    assert "It is enabled again; 1 waiting event(s) are being sent." in response.get_data(as_text=True)
    assert stored(app).active


def test_two_admins_editing_one_endpoint_keep_each_others_changes(app):
    first, second = two_editors(app)
    add(first)
    url = f"/admin/webhooks/{stored(app).id}"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    assert first.post(url, data=changed(form_a, description="Ada's words")).status_code == 303
    # Sam changes another field: Ada's description stays.
    assert second.post(url, data=changed(form_b, events=["contact.created", "contact.updated"])).status_code == 303
    endpoint = stored(app)
    assert endpoint.description == "Ada's words"
    assert json.loads(endpoint.events) == ["contact.created", "contact.updated"]
    # Both change the description: the second save is a conflict, nothing lost.
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    assert first.post(url, data=changed(form_a, description="First")).status_code == 303
    clash = second.post(url, data=changed(form_b, description="Second"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this" in html and "First" in html and 'value="Second"' in html
    assert stored(app).description == "First"


def test_rotating_shows_the_new_secret_and_keeps_the_old_one_for_a_day(app, admin_client):
    add(admin_client)
    endpoint = stored(app)
    admin_client.get(f"/admin/webhooks/{endpoint.id}/secret")
    confirm = admin_client.get(f"/admin/webhooks/{endpoint.id}/rotate").get_data(as_text=True)
    assert "keeps signing alongside it for 24 hours" in confirm
    token = csrf_from(admin_client, f"/admin/webhooks/{endpoint.id}")
    response = admin_client.post(f"/admin/webhooks/{endpoint.id}/rotate", data={"csrf_token": token})
    assert response.status_code == 303
    shown = SECRET_RE.search(admin_client.get(response.headers["Location"]).get_data(as_text=True)).group(1)
    rotated = stored(app)
    assert shown == rotated.secret != endpoint.secret
    assert rotated.previous_secret == endpoint.secret
    assert 23.9 < (rotated.previous_expires_at - rotated.updated_at).total_seconds() / 3600 <= 24.01
    assert "A rotation is under way" in page(admin_client, f"/admin/webhooks/{endpoint.id}")


def test_deleting_an_endpoint_drops_its_deliveries(app, admin_client):
    from modules.contacts.people import records

    add(admin_client)
    endpoint = stored(app)
    with app.app_context():
        records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.commit()
    assert "Delete the endpoint" in page(admin_client, f"/admin/webhooks/{endpoint.id}/delete")
    token = csrf_from(admin_client, f"/admin/webhooks/{endpoint.id}")
    assert admin_client.post(f"/admin/webhooks/{endpoint.id}/delete", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookEndpoint.id))) == 0
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
        assert db.session.scalar(db.select(db.func.count(WebhookMessage.id))) == 1  # the event itself stays


def test_only_those_with_the_permission_see_webhooks(app, client):
    make_user(app, email="staff@example.org", role_key="staff", name="Stan Staff")
    login(client, "staff@example.org")
    for url in ("/admin/webhooks/", "/admin/webhooks/new", "/admin/webhooks/settings"):
        assert client.get(url).status_code == 403


def test_the_endpoint_page_reads_the_same_number_of_queries_for_3_or_60_deliveries(app, admin_client):
    from app.models import WebhookMessage
    from app.models.base import utcnow
    from tests.conftest import counted_queries

    add(admin_client)
    endpoint = stored(app)
    url = f"/admin/webhooks/{endpoint.id}"

    def deliveries(n):
        with app.app_context():
            for i in range(n):
                message = WebhookMessage(uid=f"msg_{endpoint.id}_{i}_{n}", type="contact.created", payload="{}",
                                         created_at=utcnow())
                db.session.add(WebhookDelivery(endpoint_id=endpoint.id, message=message, status="delivered",
                                               attempts=1, last_error="", created_at=utcnow()))
            db.session.commit()

    deliveries(3)
    admin_client.get(url)
    with counted_queries(app) as few:
        assert admin_client.get(url).status_code == 200
    deliveries(57)
    with counted_queries(app) as many:
        html = admin_client.get(url).get_data(as_text=True)
    assert html.count(">contact.created</a>") == 50 and "Older" in html  # a page of 50, then a link on
    assert len(many) == len(few)
