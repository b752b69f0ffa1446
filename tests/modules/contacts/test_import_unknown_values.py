"""Contact import meets closed lists (issue 15, part 2): tags, a choice field
and a multiple-choice field whose values the database does not know. The
preview lists each once with its rows; going on without a choice is refused
next to it; creating and mapping are applied to every row; undo removes the
tags and choices the import created unless a contact uses them by then."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.models import Contact, ContactTag, CustomField, CustomValue, ImportRun, Tag
from modules.contacts.people import records
from tests.modules.contacts.test_import import mapping_form, post, run_id, upload, work

FILE = (b"Name,Email,Tags,Membership,Interests\n"
        b"Ann Lee,ann@example.org,\"donor, Volunteers\",Platinum,Music; Art\n"
        b"Bo Ray,bo@example.org,volunteers,gold,Art\n"
        b"Cy Doe,cy@example.org,Donors,Silverr,Sport\n"
        b"Di Fox,di@example.org,VOLUNTEERS;donor,platinum,\n")


def _org(app) -> dict:
    with app.app_context():
        donors = Tag(name="Donors", colour="green")
        membership = CustomField(key="membership", label="Membership", type="choice", kinds=["person"],
                                 choices=["Gold", "Silver"], position=1, active=True)
        interests = CustomField(key="interests", label="Interests", type="multi_choice", kinds=["person"],
                                choices=["Music", "Sport"], position=2, active=True)
        db.session.add_all([donors, membership, interests])
        db.session.commit()
        return {"donors": donors.id, "membership": membership.id, "interests": interests.id}


def _to_preview(client) -> tuple[int, str]:
    rid = run_id(upload(client, "people.csv", FILE))
    page = client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    form = mapping_form(page)
    assert set(form.values()) >= {"tags", "custom:membership", "custom:interests", "email"}
    response = post(client, f"/contacts/import/{rid}/map", {**form, "action": "continue"})
    assert response.status_code == 303
    return rid, f"/contacts/import/{rid}/preview"


def _shown(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<th scope="row"><label for="unknown-\d+-choice">([^<]+)</label></th>\s*<td>([^<]+)</td>'
                      r'\s*<td class="num">(\d+)</td>', page)


def _form(page: str, wanted: dict[str, str]) -> dict[str, str]:
    """The choices as a browser posts them: `wanted[value]`, else what is selected."""
    data = dict(re.findall(r'<input type="hidden" name="(unknown-\d+-value)" value="([^"]*)">', page))
    for name, value in re.findall(r'<label for="(unknown-\d+-choice)">([^<]+)</label>', page):
        body = re.search(rf'<select id="{name}".*?</select>', page, re.S).group(0)
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = wanted.get(value, selected.group(1) if selected else "")
    return data


def _options(page: str, value: str) -> list[str]:
    name = re.search(rf'<label for="(unknown-\d+-choice)">{re.escape(value)}</label>', page).group(1)
    body = re.search(rf'<select id="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="[^"]*"[^>]*>([^<]+)</option>', body)


def test_unknown_tags_and_choices_are_listed_chosen_imported_and_undone(app, admin_client):
    ids = _org(app)
    rid, preview_url = _to_preview(admin_client)
    page = admin_client.get(preview_url).get_data(as_text=True)
    assert sorted(_shown(page)) == sorted([
        ("donor", "Tag", "2"), ("Volunteers", "Tag", "3"),
        ("Platinum", "Choice of “Membership”", "2"), ("Silverr", "Choice of “Membership”", "1"),
        ("Art", "Choice of “Interests”", "2")])
    assert _options(page, "donor")[:3] == ["Choose…", "Create “donor” as a new tag", "Use “Donors” (near match)"]
    assert _options(page, "Silverr")[:3] == ["Choose…", "Create “Silverr” as a new choice of “Membership”",
                                             "Use “Silver” (near match)"]
    assert "“Platinum”: not one of the choices (Gold, Silver)." in page  # its rows wait for the choice

    # Going on with two values still unchosen: refused, each marked, the others kept.
    response = post(admin_client, preview_url, {**_form(page, {"donor": f"use:{ids['donors']}",
                                                               "Volunteers": "create", "Platinum": "create"}),
                                                "action": "continue"})
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    assert "Choose whether to create “Silverr” or use an existing choice of “Membership”." in refused
    assert "Choose whether to create “Art” or use an existing choice of “Interests”." in refused
    assert refused.count('class="error" id="unknown-') == 2
    assert f'<option value="use:{ids["donors"]}" selected>Use “Donors” (near match)</option>' in refused
    with app.app_context():
        assert db.session.get(ImportRun, rid).value_choices["tags"] == {"donor": f"use:{ids['donors']}",
                                                                        "volunteers": "create"}

    response = post(admin_client, preview_url, {**_form(refused, {"Silverr": "use:Silver", "Art": "create"}),
                                                 "action": "continue"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/import/{rid}/match")
    response = post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                                    "on_new": "create", "action": "start"})
    assert response.status_code == 303
    work(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.failed) == (4, 0)
        tags = dict(db.session.execute(select(Tag.name, func.count(ContactTag.contact_id))
                                       .join(ContactTag, ContactTag.tag_id == Tag.id).group_by(Tag.name)).all())
        assert tags == {"Donors": 3, "Volunteers": 3}  # "donor" read as Donors; "VOLUNTEERS" made once
        assert db.session.scalar(select(func.count(Tag.id))) == 2
        assert db.session.get(CustomField, ids["membership"]).choices == ["Gold", "Silver", "Platinum"]
        assert db.session.get(CustomField, ids["interests"]).choices == ["Music", "Sport", "Art"]
        values = {(db.session.get(Contact, v.contact_id).display_name, v.value_text)
                  for v in db.session.scalars(select(CustomValue).where(CustomValue.field_id == ids["membership"]))}
        assert values == {("Ann Lee", "Platinum"), ("Bo Ray", "Gold"), ("Cy Doe", "Silver"), ("Di Fox", "Platinum")}
        arts = db.session.scalar(select(func.count()).select_from(CustomValue).where(
            CustomValue.field_id == ids["interests"], CustomValue.value_text == "Art"))
        assert arts == 2
        # Someone tags a contact of their own "Volunteers" before the import is undone.
        own = records.create("person", {"first_name": "Eve", "last_name": "Own"})
        db.session.flush()
        db.session.add(ContactTag(contact_id=own.id, tag_id=db.session.scalar(
            select(Tag.id).where(Tag.name == "Volunteers"))))
        db.session.commit()

    page = admin_client.get(f"/contacts/import/{rid}/undo").get_data(as_text=True)
    response = post(admin_client, f"/contacts/import/{rid}/undo", {}, page=f"/contacts/import/{rid}/undo")
    assert response.status_code == 303
    status = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Removed the choice “Platinum” of Membership, choice “Art” of Interests it created. "
            "Kept the tag “Volunteers” it created: other contacts use them now.") in status
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.name))) == ["Donors", "Volunteers"]
        assert db.session.get(CustomField, ids["membership"]).choices == ["Gold", "Silver"]
        assert db.session.get(CustomField, ids["interests"]).choices == ["Music", "Sport"]
        assert db.session.scalar(select(func.count(Contact.id))) == 1  # Eve


def test_a_new_tag_nothing_else_uses_is_removed_by_undo(app, admin_client):
    _org(app)
    rid, preview_url = _to_preview(admin_client)
    page = admin_client.get(preview_url).get_data(as_text=True)
    response = post(admin_client, preview_url, {**_form(page, {
        "donor": "create", "Volunteers": "create", "Platinum": "create", "Silverr": "create", "Art": "create"}),
        "action": "continue"})
    assert response.status_code == 303
    post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                         "on_new": "create", "action": "start"})
    work(app)
    with app.app_context():
        # "donor" and "Donors" differ as words, so a new tag was wanted and made; "Volunteers" made once
        assert sorted(db.session.scalars(select(Tag.name))) == ["Donors", "Volunteers", "donor"]
        assert db.session.scalar(select(ImportRun.created)) == 4
    post(admin_client, f"/contacts/import/{rid}/undo", {}, page=f"/contacts/import/{rid}/undo")
    with app.app_context():
        assert list(db.session.scalars(select(Tag.name))) == ["Donors"]
        assert db.session.scalar(select(func.count()).select_from(ContactTag)) == 0
