"""Saved segments: save, open (re-evaluated), edit, delete, visibility,
and the SELECT other modules use."""

from __future__ import annotations

import html

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.lists import segments
from modules.contacts.models import Segment
from tests.conftest import login, make_user, post_form
from tests.modules.contacts.test_listing import names, person


def _people(app):
    with app.app_context():
        person("Ann", "Able", city="Leeds")
        person("Bob", "Baker", city="York")
        db.session.commit()


def save(client, name: str, query: str, shared: bool = True, **extra):
    data = {"name": name, "description": "Everyone in Leeds", "match": "all", **extra}
    if shared:
        data["shared"] = "y"
    for part in query.split("&"):
        key, _, value = part.partition("=")
        data.setdefault(key, [])
        if isinstance(data[key], list):
            data[key].append(value)
    return post_form(client, "/contacts/segments/new", data, page=f"/contacts/segments/new?{query}")


def test_save_open_and_re_evaluate(app, admin_client):
    _people(app)
    form = admin_client.get("/contacts/segments/new?f=city:is:Leeds").get_data(as_text=True)
    assert "Town or city is Leeds" in form and 'name="f" value="city:is:Leeds"' in form
    response = save(admin_client, "Leeds people", "f=city:is:Leeds")
    assert response.status_code == 303
    with app.app_context():
        segment = db.session.scalar(db.select(Segment))
        assert segment.filters == {"q": "", "f": ["city:is:Leeds"], "match": "all"}
        assert segment.shared and segment.description == "Everyone in Leeds"
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "create",
                                                             AuditEntry.object_type == "contacts_segment"))
    opened = admin_client.get(response.headers["Location"])
    assert opened.status_code == 302
    page = admin_client.get(opened.headers["Location"])
    assert names(page) == ["Ann Able"] and "Leeds people" in page.get_data(as_text=True)
    with app.app_context():
        person("Cara", "Cole", city="Leeds")  # added after saving: it appears
        db.session.commit()
    assert names(admin_client.get(admin_client.get(response.headers["Location"]).headers["Location"])) == [
        "Ann Able", "Cara Cole"]
    with app.app_context(), app.test_request_context():
        segment = db.session.scalar(db.select(Segment))
        ids = db.session.scalars(segments.contact_ids_select(segment)).all()
        assert len(ids) == 2


def test_a_name_is_required_and_unique(app, admin_client):
    assert save(admin_client, "", "f=city:is:Leeds").status_code == 422
    assert save(admin_client, "Leeds", "f=city:is:Leeds").status_code == 303
    again = save(admin_client, "Leeds", "f=city:is:York")
    assert again.status_code == 422 and "A segment with this name exists" in again.get_data(as_text=True)


def test_edit_rename_replace_filters_and_delete(app, admin_client):
    _people(app)
    save(admin_client, "Leeds", "f=city:is:Leeds")
    with app.app_context():
        seg_id = db.session.scalar(db.select(Segment.id))
    url = f"/contacts/segments/{seg_id}/edit"
    response = post_form(admin_client, url, {"name": "Northerners", "description": "", "shared": "y"})
    assert response.status_code == 303
    # replace its filters from the list ("Save changes to ...")
    list_page = admin_client.get(f"/contacts/?f=city:is:York&segment={seg_id}").get_data(as_text=True)
    assert "Save changes to “Northerners”" in list_page
    edit_url = html.unescape(list_page.split(f'href="/contacts/segments/{seg_id}/edit?', 1)[1].split('"', 1)[0])
    response = post_form(admin_client, url, {"name": "Northerners", "description": "", "shared": "y",
                                             "replace": "1", "f": "city:is:York", "match": "all"},
                         page=f"{url}?{edit_url}")
    assert response.status_code == 303
    with app.app_context():
        segment = db.session.get(Segment, seg_id)
        assert segment.name == "Northerners" and segment.filters["f"] == ["city:is:York"]
        actions = db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.object_type == "contacts_segment")).all()
        assert actions.count("update") == 2
    confirm = admin_client.get(f"/contacts/segments/{seg_id}/delete")
    assert "Delete the segment “Northerners”?" in confirm.get_data(as_text=True)
    assert post_form(admin_client, f"/contacts/segments/{seg_id}/delete", {}).status_code == 303
    with app.app_context():
        assert db.session.get(Segment, seg_id) is None
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delete",
                                                             AuditEntry.object_type == "contacts_segment"))


def test_private_segments_are_the_owners_alone(app, client):
    admin = make_user(app)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    make_user(app, "other@example.org", "staff", "Olly Other")
    login(client, "staff@example.org")
    save(client, "Mine", "f=city:is:Leeds", shared=False)
    save(client, "Ours", "f=city:is:York", shared=True)
    with app.app_context():
        mine, ours = (db.session.scalar(db.select(Segment.id).where(Segment.name == n)) for n in ("Mine", "Ours"))
    listing = client.get("/contacts/segments").get_data(as_text=True)
    assert "Mine" in listing and "Ours" in listing and "Private" in listing
    client.post("/logout", data={"csrf_token": ""})  # drop the session
    other = client.application.test_client()
    login(other, "other@example.org")
    listing = other.get("/contacts/segments").get_data(as_text=True)
    assert "Ours" in listing and "Mine" not in listing
    assert other.get(f"/contacts/segments/{mine}").status_code == 404
    assert other.get(f"/contacts/segments/{ours}").status_code == 302
    assert other.get(f"/contacts/segments/{ours}/edit").status_code == 403  # shared, but not theirs
    assert other.get(f"/contacts/segments/{ours}/delete").status_code == 403
    boss = client.application.test_client()
    login(boss, admin.email)  # contacts.admin may manage any shared segment, never see a private one
    assert boss.get(f"/contacts/segments/{ours}/edit").status_code == 200
    assert boss.get(f"/contacts/segments/{mine}").status_code == 404
