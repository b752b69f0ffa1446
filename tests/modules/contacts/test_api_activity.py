"""Notes, tasks and segments over the API, under the pages' rules."""

from __future__ import annotations

from app.extensions import db
from modules.contacts.models import Activity, Segment, Task
from tests.api_client import api_for
from tests.conftest import make_user


def test_notes_follow_the_timeline_rules(app, admin):
    staff = make_user(app, "staff@example.org", "staff", name="Sam Staff")
    api, other = api_for(app, admin.email), api_for(app, staff.email)
    person = api.post("contacts", json={"first_name": "Nora"}).get_json()
    note = api.post(f"contacts/{person['id']}/notes", json={"subject": "Met at the gala", "body": "Keen to help"})
    assert note.status_code == 201, note.get_json()
    shown = note.get_json()
    assert (shown["kind"], shown["author_id"], shown["contact_id"]) == ("note", admin.id, person["id"])
    empty = api.post(f"contacts/{person['id']}/notes", json={"kind": "call"})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "body"
    future = api.post(f"contacts/{person['id']}/notes", json={"body": "x", "occurred_at": "2999-01-01T10:00:00Z"})
    assert future.get_json()["errors"][0]["field"] == "occurred_at"
    call = other.post(f"contacts/{person['id']}/notes", json={"kind": "call", "body": "Left a message",
                                                            "occurred_at": "2025-03-01T09:30:15+00:00"}).get_json()
    assert call["occurred_at"] == "2025-03-01T09:30:15+00:00"
    listed = api.get(f"contacts/{person['id']}/notes").get_json()["data"]
    assert [n["id"] for n in listed] == [shown["id"], call["id"]]
    # Staff may not change someone else's entry (as on the page); its author may.
    assert other.patch(f"notes/{shown['id']}", json={"body": "mine now"}).status_code == 403
    changed = api.patch(f"notes/{shown['id']}", json={"body": "Keen to help at Easter"}).get_json()
    assert changed["body"] == "Keen to help at Easter" and changed["subject"] == "Met at the gala"
    assert api.delete(f"notes/{call['id']}").status_code == 204
    with app.app_context():
        assert db.session.get(Activity, call["id"]) is None


def test_tasks_are_created_completed_and_deleted(app, admin):
    staff = make_user(app, "staff@example.org", "staff", name="Sam Staff")
    volunteer = make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    api = api_for(app, admin.email)
    person = api.post("contacts", json={"first_name": "Tom"}).get_json()
    task = api.post("tasks", json={"title": "Thank Tom", "due_date": "2026-12-24", "assignee_id": staff.id,
                                   "contact_id": person["id"]})
    assert task.status_code == 201, task.get_json()
    tid = task.get_json()["id"]
    assert api.post("tasks", json={"title": ""}).get_json()["errors"][0]["field"] == "title"
    assert api.post("tasks", json={"title": "x", "assignee_id": 999999}).get_json()["errors"][0]["field"] \
        == "assignee_id"
    assert api.post("tasks", json={"title": "x", "contact_id": 999999}).get_json()["errors"][0]["field"] \
        == "contact_id"
    mine = api.get(f"tasks?assignee_id={staff.id}&done=false").get_json()["data"]
    assert [t["title"] for t in mine] == ["Thank Tom"]
    done = api.patch(f"tasks/{tid}", json={"done": True}).get_json()
    assert done["done"] is True and done["done_at"] and done["title"] == "Thank Tom"
    assert api.get(f"tasks?assignee_id={staff.id}&done=false").get_json()["data"] == []
    assert api_for(app, volunteer.email).delete(f"tasks/{tid}").status_code == 403
    assert api.delete(f"tasks/{tid}").status_code == 204
    with app.app_context():
        assert db.session.get(Task, tid) is None


def test_segments_and_their_members(app, admin):
    staff = make_user(app, "staff@example.org", "staff", name="Sam Staff")
    api = api_for(app, admin.email)
    for name, city in (("Lee", "Leeds"), ("Yan", "York"), ("Lou", "Leeds")):
        api.post("contacts", json={"first_name": name, "addresses": [{"city": city}]})
    api.post("organisations", json={"name": "Leeds Trust", "addresses": [{"city": "Leeds"}]})
    with app.app_context():
        shared = Segment(name="Leeds", filters={"q": "", "f": ["city:is:Leeds"], "match": "all"}, shared=True,
                         owner_id=admin.id)
        private = Segment(name="Mine", filters={"q": "", "f": []}, shared=False, owner_id=admin.id)
        db.session.add_all([shared, private])
        db.session.commit()
        shared_id, private_id = shared.id, private.id
    listed = api.get("segments").get_json()["data"]
    assert [s["name"] for s in listed] == ["Leeds", "Mine"] and listed[0]["f"] == ["city:is:Leeds"]
    members = api.get(f"segments/{shared_id}/members?limit=2").get_json()
    assert [(m["display_name"], m["kind"]) for m in members["data"]] == [("Lee", "person"),
                                                                        ("Leeds Trust", "organisation")]
    rest = api.get(members["links"]["next"]).get_json()
    assert [m["display_name"] for m in rest["data"]] == ["Lou"] and rest["links"]["next"] is None
    # Another user does not see a private segment.
    other = api_for(app, staff.email)
    assert [s["name"] for s in other.get("segments").get_json()["data"]] == ["Leeds"]
    assert other.get(f"segments/{private_id}").status_code == 404
    assert other.get(f"segments/{private_id}/members").status_code == 404
