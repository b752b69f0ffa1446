"""Bulk actions: confirmation counts, tags, owner, trash, CSV export, on a
selection and on a whole filtered list, in the background when large."""

from __future__ import annotations

import csv
import io

from app.extensions import db
from app.models import AuditEntry, Job, User
from modules.contacts.lists import bulk, export
from modules.contacts.models import Activity, Contact, ContactTag, Tag
from tests.conftest import csrf_from, login, make_user
from tests.modules.contacts.test_listing import names, person


def _people(app) -> dict:
    with app.app_context():
        made = {n: person(n, "Leeds" if n in ("Ann", "Bea", "Cy") else "York", city=c)
                for n, c in (("Ann", "Leeds"), ("Bea", "Leeds"), ("Cy", "Leeds"), ("Dan", "York"))}
        tag = Tag(name="Volunteers")
        db.session.add(tag)
        db.session.commit()
        return {**{n: c.id for n, c in made.items()}, "tag": tag.id}


def post(client, data: dict):
    return client.post("/contacts/bulk", data={**data, "csrf_token": csrf_from(client, "/contacts/")})


def tagged(app, tag_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(db.select(ContactTag.contact_id).where(ContactTag.tag_id == tag_id)))


def test_add_and_remove_a_tag_on_a_selection(app, admin_client):
    ids = _people(app)
    chosen = [ids["Ann"], ids["Dan"]]
    query = "&".join(f"ids={i}" for i in chosen)
    ask = admin_client.get(f"/contacts/bulk?action=tag_add&scope=selected&{query}").get_data(as_text=True)
    assert "This will apply to 2 contacts." in ask and ">Volunteers</option>" in ask
    confirm = admin_client.get(f"/contacts/bulk?action=tag_add&scope=selected&{query}&param={ids['tag']}")
    assert "Add the tag “Volunteers” to 2 contacts?" in confirm.get_data(as_text=True)
    response = post(admin_client, {"action": "tag_add", "scope": "selected", "ids": chosen, "param": ids["tag"]})
    assert response.status_code == 303
    assert tagged(app, ids["tag"]) == set(chosen)
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added the tag “Volunteers” to 2 contacts." in page
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.summary.like("Added the tag%"))).all()
        assert sorted(int(e.object_id) for e in entries) == sorted(chosen)
        assert db.session.scalar(db.select(db.func.count()).select_from(Activity).where(
            Activity.subject == "Tagged “Volunteers”")) == 2
    # adding again changes nothing; removing takes it off
    post(admin_client, {"action": "tag_add", "scope": "selected", "ids": chosen, "param": ids["tag"]})
    assert tagged(app, ids["tag"]) == set(chosen)
    confirm = admin_client.get(f"/contacts/bulk?action=tag_remove&scope=selected&ids={ids['Ann']}"
                               f"&param={ids['tag']}").get_data(as_text=True)
    assert "Remove the tag “Volunteers” from 1 contact?" in confirm
    post(admin_client, {"action": "tag_remove", "scope": "selected", "ids": [ids["Ann"]], "param": ids["tag"]})
    assert tagged(app, ids["tag"]) == {ids["Dan"]}


def test_a_whole_filtered_list_is_re_evaluated_when_the_action_runs(app, admin_client):
    ids = _people(app)
    confirm = admin_client.get(f"/contacts/bulk?action=tag_add&scope=all&f=city:is:Leeds&param={ids['tag']}")
    assert "Add the tag “Volunteers” to 3 contacts?" in confirm.get_data(as_text=True)
    with app.app_context():
        late = person("Eve", "Late", city="Leeds").id
        db.session.commit()
    response = post(admin_client, {"action": "tag_add", "scope": "all", "f": "city:is:Leeds", "match": "all",
                                   "param": ids["tag"]})
    assert response.status_code == 303 and "f=city:is:Leeds" in response.headers["Location"]
    assert tagged(app, ids["tag"]) == {ids["Ann"], ids["Bea"], ids["Cy"], late}


def test_assign_an_owner_and_this_page_scope(app, admin_client):
    _people(app)
    staff = make_user(app, "sam@example.org", "staff", "Sam Staff")
    confirm = admin_client.get(f"/contacts/bulk?action=owner&scope=page&f=city:is:York&param={staff.id}")
    assert "Make Sam Staff the owner of 1 contact?" in confirm.get_data(as_text=True)
    response = post(admin_client, {"action": "owner", "scope": "page", "f": "city:is:York", "param": staff.id})
    assert response.status_code == 303
    with app.app_context():
        owners = dict(db.session.execute(db.select(Contact.first_name, Contact.owner_id)).all())
        assert owners["Dan"] == staff.id and owners["Ann"] != staff.id
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.summary.like("Made Sam Staff the owner%")))


def test_trash_a_selection_and_a_filtered_list(app, admin_client):
    ids = _people(app)
    confirm = admin_client.get(f"/contacts/bulk?action=trash&scope=selected&ids={ids['Dan']}")
    assert "Move 1 contact to the trash?" in confirm.get_data(as_text=True)
    post(admin_client, {"action": "trash", "scope": "selected", "ids": [ids["Dan"]]})
    assert "Move 3 contacts to the trash?" in admin_client.get(
        "/contacts/bulk?action=trash&scope=all&f=city:is:Leeds").get_data(as_text=True)
    response = post(admin_client, {"action": "trash", "scope": "all", "f": "city:is:Leeds"})
    assert "Moved 3 contacts to the trash." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert names(admin_client.get("/contacts/")) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact).where(
            Contact.deleted_at.is_not(None))) == 4
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "delete")) == 4


def test_nothing_selected_or_no_action_goes_back_to_the_list(app, admin_client):
    _people(app)
    response = admin_client.get("/contacts/bulk?action=trash&scope=selected&f=city:is:Leeds")
    assert response.status_code == 303 and response.headers["Location"].startswith("/contacts/?f=city")
    assert admin_client.get("/contacts/bulk").status_code == 303


def test_csv_export_neutralises_formulas_and_is_audited(app, admin_client):
    with app.app_context():
        person("=cmd|' /C calc'!A0", "Smith", email="+1@example.org", city="@Leeds")
        person("Plain", "Person", city="-York")
        db.session.commit()
    confirm = admin_client.get("/contacts/bulk?action=export&scope=all").get_data(as_text=True)
    assert "Export 2 contacts to a CSV file?" in confirm and 'hx-boost="false"' in confirm
    response = post(admin_client, {"action": "export", "scope": "all"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "Kind", "Email"]
    first = rows[1]
    assert first[0] == "'=cmd|' /C calc'!A0 Smith" and first[2] == "'+1@example.org" and first[4] == "'@Leeds"
    assert rows[2][4] == "'-York"
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.summary == "Exported 2 contacts to CSV (the whole filtered list)"
    assert export.safe_cell("plain") == "plain" and export.safe_cell(None) == ""


def test_actions_need_their_permission(app, client):
    make_user(app)
    _people(app)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    assert client.get("/contacts/bulk?action=export&scope=all").status_code == 403
    assert post(client, {"action": "export", "scope": "all"}).status_code == 403
    assert client.get("/contacts/bulk?action=trash&scope=all").status_code == 403
    assert client.get("/contacts/bulk?action=tag_add&scope=all").status_code == 200  # staff may edit
    page = client.get("/contacts/").get_data(as_text=True)
    assert 'value="tag_add"' in page and 'value="export"' not in page and 'value="trash"' not in page
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "denied"))
    volunteer = client.application.test_client()
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    login(volunteer, "vol@example.org")
    assert volunteer.get("/contacts/bulk?action=tag_add&scope=all").status_code == 403
    assert 'name="ids"' not in volunteer.get("/contacts/").get_data(as_text=True)  # no bulk actions, no boxes


def test_large_actions_run_as_a_background_job_with_progress(app, admin_client, monkeypatch):
    ids = _people(app)
    monkeypatch.setattr(bulk, "BACKGROUND_OVER", 2)
    monkeypatch.setattr(bulk, "CHUNK", 2)
    confirm = admin_client.get(f"/contacts/bulk?action=tag_add&scope=all&param={ids['tag']}")
    assert "runs in the background" in confirm.get_data(as_text=True)
    response = post(admin_client, {"action": "tag_add", "scope": "all", "param": ids["tag"]})
    assert response.status_code == 303 and "/contacts/bulk/jobs/" in response.headers["Location"]
    waiting = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Add a tag: 4 contacts" in waiting and 'hx-trigger="every 2s"' in waiting
    with app.app_context():
        from app import jobs

        job = db.session.scalar(db.select(Job))
        assert job.kind == "contacts.bulk"
        jobs.run(job.id)
        job = db.session.get(Job, job.id)
        assert job.status == "finished" and job.result == {"contacts": 4, "changed": 4}
        assert (job.done, job.total) == (4, 4)
        user = db.session.scalar(db.select(User))
        assert job.created_by_id == user.id
    assert len(tagged(app, ids["tag"])) == 4
    done = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Done: 4 of 4 contacts changed." in done and "every 2s" not in done


def test_a_whole_list_action_refuses_rules_it_cannot_read(app, admin_client):
    _people(app)
    page = admin_client.get("/contacts/bulk?action=trash&scope=all&f=city:is:York&f=gone:is:1").get_data(as_text=True)
    assert "Some filter rules cannot be read" in page and "Move 1 contact" not in page
    response = post(admin_client, {"action": "trash", "scope": "all", "f": ["city:is:York", "gone:is:1"]})
    assert response.status_code == 303
    assert "Some filter rules cannot be read" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(names(admin_client.get("/contacts/"))) == 4  # nothing trashed
