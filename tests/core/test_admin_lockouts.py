"""Admin → Sign-in lockouts: who the sign-in limits hold now, and lifting a wait."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEntry
from tests.conftest import PASSWORD, csrf_from, login, make_user
from tests.signin import attempt

LIFT_RE = re.compile(r'action="(/admin/lockouts/lift\?counter=[^"]+)"')


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]


def test_admins_see_the_lockouts_and_lift_one(app, admin, admin_client, signin_clock):
    staff = make_user(app, "sam@example.org", "staff", "Sam Staff")
    guesser = app.test_client()
    token = csrf_from(guesser, "/login")
    for _ in range(5):  # one address, five wrong passwords: that address waits for this account
        attempt(guesser, staff.email, "not the password", address="203.0.113.66", token=token)
    for n in range(5):  # five more addresses, one each: now the account waits
        attempt(app.test_client(), staff.email, "not the password", address=f"192.0.2.{n}")

    assert 'href="/admin/lockouts"' in admin_client.get("/admin/").get_data(as_text=True)
    page = admin_client.get("/admin/lockouts").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 2  # the longest wait first
    assert rows[0].startswith("sam@example.org from network address 203.0.113.66 5 ")
    assert rows[1].startswith("sam@example.org (on devices they have not used before) 10 ")

    lift = LIFT_RE.findall(page)[1].replace("&amp;", "&")
    confirm = admin_client.get(lift)
    assert confirm.status_code == 200
    assert "Let sam@example.org (on devices they have not used before) sign in again now?" in \
        confirm.get_data(as_text=True)
    lifted = admin_client.post(lift, data={"csrf_token": csrf_from(admin_client, "/admin/lockouts")})
    assert lifted.status_code == 303
    page = admin_client.get("/admin/lockouts").get_data(as_text=True)
    assert "The wait is lifted: sam@example.org (on devices they have not used before) can sign in" in page
    assert [row.split(" 5 ")[0] for row in _rows(page)] == ["sam@example.org from network address 203.0.113.66"]
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "signin_limit")).one()
        assert entry.action == "update" and entry.actor == admin.email
        assert entry.summary.startswith("Lifted the sign-in wait for sam@example.org (on devices they have "
                                        "not used before): 10 failed sign-ins since ")
    # Sam, on a new device elsewhere, signs in straight away.
    assert attempt(app.test_client(), staff.email, PASSWORD, address="192.0.2.200").status_code == 303
    # Lifting it again finds nothing to lift.
    again = admin_client.post(lift, data={"csrf_token": csrf_from(admin_client, "/admin/lockouts")})
    assert again.status_code == 303
    assert "That wait has already ended." in admin_client.get("/admin/lockouts").get_data(as_text=True)


def test_the_page_says_when_nobody_waits_and_a_wait_that_ended_is_gone(app, admin_client, signin_clock):
    assert "Nobody is waiting" in admin_client.get("/admin/lockouts").get_data(as_text=True)
    guesser = app.test_client()
    token = csrf_from(guesser, "/login")
    for _ in range(5):
        attempt(guesser, "someone@example.org", "not the password", address="203.0.113.66", token=token)
    assert len(_rows(admin_client.get("/admin/lockouts").get_data(as_text=True))) == 1
    signin_clock.advance(60)
    assert "Nobody is waiting" in admin_client.get("/admin/lockouts").get_data(as_text=True)


def test_only_user_managers_see_or_lift_lockouts(app, client):
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    login(client, "sam@example.org", PASSWORD)
    assert client.get("/admin/lockouts").status_code == 403
    response = client.post("/admin/lockouts/lift", data={"counter": "steward:signin:address:192.0.2.1",
                                                         "csrf_token": csrf_from(client, "/")})
    assert response.status_code == 403


def test_only_sign_in_counters_can_be_lifted(app, admin_client):
    redis = app.extensions["steward"].redis
    redis.set("steward:other", "kept")
    for counter in ("steward:other", "steward:signin:held", "rq:queue:default"):
        response = admin_client.post("/admin/lockouts/lift", data={
            "counter": counter, "csrf_token": csrf_from(admin_client, "/admin/lockouts")})
        assert response.status_code == 303
    assert redis.get("steward:other") == b"kept"
