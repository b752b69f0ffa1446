"""Each user's private calendar feed: made from the account page (the URL
shown once, its secret stored hashed), listing their open tasks and the
expected close dates of their open opportunities, readable by the
icalendar library; reset and revoke stop the old URL; a deactivated user's
feed stops; a user without a source's permission does not get it."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import CalendarFeed, Role, RolePermission, User
from app.models.base import utcnow
from modules.contacts.models import Task
from modules.contacts.people import records
from modules.pipeline import opportunities
from modules.pipeline.models import Pipeline, Stage
from tests.conftest import csrf_from, login, make_user


def make_link(client) -> str:
    page = client.post("/account/calendar", data={"csrf_token": csrf_from(client, "/account")})
    assert page.status_code == 200
    return re.search(rb'value="(https?://[^"]+\.ics)"', page.data).group(1).decode()


def path(url: str) -> str:
    """The feed URL's path, for the test client."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def events(client, url: str) -> dict[str, tuple]:
    answer = client.get(path(url))
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    cal = Calendar.from_ical(answer.data)
    return {str(e["uid"]).split("@")[0]: (str(e["summary"]), e["dtstart"].dt) for e in cal.walk("VEVENT")}


def test_a_users_feed_lists_their_open_tasks_and_expected_closes_only(app, client):
    me = make_user(app)
    other = make_user(app, email="bob@example.org", name="Bob")
    today = date.today()
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.flush()
        db.session.add_all([
            Task(title="Call Grace", due_date=today + timedelta(days=2), assignee_id=me.id, contact_id=grace.id),
            Task(title="Done already", due_date=today, assignee_id=me.id, done_at=utcnow()),
            Task(title="Bob's task", due_date=today, assignee_id=other.id),
            Task(title="Long ago", due_date=today - timedelta(days=90), assignee_id=me.id)])
        pipeline = db.session.scalars(select(Pipeline).order_by(Pipeline.id)).first()
        first = db.session.scalars(select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
                                   ).first()
        opp = opportunities.create(stage=first, contact_id=grace.id, name="Major gift", amount=Decimal("5000"),
                                   expected_close=today + timedelta(days=10), owner_id=me.id)
        db.session.commit()
        opp_id = opp.id
        call_id = db.session.scalar(select(Task.id).where(Task.title == "Call Grace"))
    login(client)
    url = make_link(client)
    assert events(client, url) == {
        f"task-{call_id}": ("Task: Call Grace", today + timedelta(days=2)),
        f"opportunity-{opp_id}": ("Expected to close: Major gift", today + timedelta(days=10)),
    }
    with app.app_context():
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in feed.token_hash
        assert feed.last_used_at is not None
    assert b"not read by a calendar yet" not in client.get("/account").data


def test_reset_and_revoke_stop_the_old_address(app, client):
    make_user(app)
    login(client)
    old = make_link(client)
    new = make_link(client)
    assert client.get(path(old)).status_code == 404 and client.get(path(new)).status_code == 200
    confirm = client.get("/account/calendar/revoke")
    assert b"Revoke your calendar link?" in confirm.data
    client.post("/account/calendar/revoke", data={"csrf_token": csrf_from(client, "/account")})
    assert client.get(path(new)).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(CalendarFeed)) is None


def test_a_deactivated_user_or_a_made_up_token_gets_nothing(app, client):
    me = make_user(app)
    login(client)
    url = make_link(client)
    assert client.get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    with app.app_context():
        db.session.get(User, me.id).active = False
        db.session.commit()
    assert client.get(path(url)).status_code == 404


def test_a_source_needs_its_permission_at_every_fetch(app, client):
    """A role with contacts but not the pipeline: tasks, no opportunities; grant it later and they appear."""
    with app.app_context():
        role = Role(name="Tasks only", grants=[RolePermission(permission="contacts.view")])
        db.session.add(role)
        db.session.commit()
        role_id = role.id
        role = db.session.get(Role, role_id)
        db.session.expunge(role)
    volunteer = make_user(app, email="vol@example.org", name="Val", role=role)
    today = date.today()
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.flush()
        first = db.session.scalars(select(Stage).order_by(Stage.pipeline_id, Stage.position)).first()
        opportunities.create(stage=first, contact_id=grace.id, name="Val's lead", amount=Decimal("10"),
                             expected_close=today, owner_id=volunteer.id)
        db.session.add(Task(title="Val's task", due_date=today, assignee_id=volunteer.id))
        db.session.commit()
    login(client, "vol@example.org")
    url = make_link(client)
    assert {s for s, _ in events(client, url).values()} == {"Task: Val's task"}
    with app.app_context():
        db.session.add(RolePermission(role_id=role_id, permission="pipeline.view"))
        db.session.commit()
    assert {s for s, _ in events(client, url).values()} == {"Task: Val's task", "Expected to close: Val's lead"}
