"""Privacy requests: everything held about a contact as JSON (other modules'
data included), and erasure (personal data gone everywhere, what must stay
kept, audited); permissions; names shown as text."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

from app.extensions import db
from app.models import AuditEntry, User
from app.registry import Module
from modules.contacts.activity import tasks_service, timeline
from modules.contacts.hooks import ContactHooks
from modules.contacts.lists import search
from modules.contacts.models import (
    Activity,
    ConsentEntry,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Task,
)
from modules.contacts.people import privacy, records, relations
from modules.contacts.people.records import Details
from tests.conftest import csrf_from, login, make_user

NOTE_AT = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


@contextmanager
def gifts_module(app, calls: list):
    """Another module holding gifts, enabled for the length of a test."""
    state = app.extensions["steward"]
    fake = Module(name="gifts", title="Gifts", extends={"contacts": ContactHooks(
        export=lambda cid: {"gifts": [{"amount": "25.00", "on": "2024-01-02", "contact": cid}]},
        erase=lambda cid: calls.append(cid))})
    state.enabled.append(fake)
    try:
        yield fake
    finally:
        state.enabled.remove(fake)


def _ann(app) -> dict:
    """Ann with every kind of data, a partner, a household, and history."""
    with app.app_context():
        user = db.session.scalar(db.select(User))
        field = CustomField(key="school", label="School", type="text", kinds=["person"])
        db.session.add(field)
        ann = records.create("person", {"first_name": "Annabel", "last_name": "Quist", "birth_date": datetime(
            1980, 2, 3).date(), "pronouns": "she/her", "notes": "Allergic to nuts", "source": "Gala 2023"},
            Details(emails=[{"email": "annabel@example.org", "label": "", "is_primary": True},
                            {"email": "aq@work.example", "label": "work", "is_primary": False}],
                    phones=[{"number": "+441632960123", "label": "", "is_primary": True}],
                    addresses=[{"line1": "7 Elm Row", "city": "Leeds", "postcode": "LS2 9AA", "country": "GB",
                                "label": "", "is_primary": True}]), user=user)
        bob = records.create("person", {"first_name": "Bob", "last_name": "Other"}, user=user)
        db.session.flush()
        db.session.add(CustomValue(contact_id=ann.id, field_id=field.id, value_text="St Quist Academy"))
        relations.add_tag(ann, relations.find_or_create_tag("Donor", user=user), user=user)
        household = relations.create_household(ann, "The Quist Family", user=user)
        spouse = db.session.scalar(db.select(RelationshipType).where(RelationshipType.key == "spouse"))
        relations.add_relationship(ann, f"{spouse.id}:a", bob, "met at Gala", user=user)
        records.set_opt_in(ann, "opted_in", "Web form", "Yes, send me the Quist newsletter", user=user)
        note = timeline.log(ann.id, {"kind": "note", "subject": "Called Annabel", "body": "Annabel's nut allergy",
                                     "occurred_at": NOTE_AT}, user=user)
        task = tasks_service.create({"contact_id": ann.id, "title": "Thank Annabel", "notes": "for the gala"},
                                    user=user)
        records.update(ann, {"preferred_name": "Annie"}, user=user)
        db.session.commit()
        return {"ann": ann.id, "bob": bob.id, "household": household.id, "note": note.id, "task": task.id,
                "field": field.id}


def test_download_everything_held_has_every_section_and_other_modules(app, admin_client):
    ids = _ann(app)
    page = admin_client.get(f"/contacts/{ids['ann']}").get_data(as_text=True)
    assert f"/contacts/{ids['ann']}/privacy" in page
    privacy_page = admin_client.get(f"/contacts/{ids['ann']}/privacy").get_data(as_text=True)
    assert "Download everything we hold" in privacy_page and "Erase this person" in privacy_page
    with gifts_module(app, []):
        response = admin_client.post(f"/contacts/{ids['ann']}/privacy/export",
                                     data={"csrf_token": csrf_from(admin_client, f"/contacts/{ids['ann']}/privacy")})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f"contact-{ids['ann']}-personal-data.json" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["contact"]["first_name"] == "Annabel" and data["contact"]["birth_date"] == "1980-02-03"
    assert data["contact"]["notes"] == "Allergic to nuts" and data["contact"]["preferred_name"] == "Annie"
    assert [e["email"] for e in data["emails"]] == ["annabel@example.org", "aq@work.example"]
    assert data["phones"][0]["number"] == "+441632960123" and data["addresses"][0]["line1"] == "7 Elm Row"
    assert data["tags"] == ["Donor"] and data["custom_fields"] == {"School": "St Quist Academy"}
    assert data["relationships"] == [{"is": "spouse of", "other_id": ids["bob"], "other_name": "Bob Other",
                                      "note": "met at Gala", "since": data["relationships"][0]["since"]}]
    assert data["household"] == {"id": ids["household"], "name": "The Quist Family"}
    assert data["consent_history"][0]["wording"] == "Yes, send me the Quist newsletter"
    assert data["preferences"]["email_opt_in"] == "opted_in"
    assert any(t["subject"] == "Called Annabel" and t["occurred_at"].startswith("2024-03-05")
               for t in data["timeline"])
    assert data["tasks"][0]["title"] == "Thank Annabel"
    objects = {e["object"] for e in data["audit"]}
    assert {f"contacts_contact:{ids['ann']}", f"contacts_activity:{ids['note']}",
            f"contacts_task:{ids['task']}"} <= objects
    assert data["modules"]["gifts"] == {"gifts": [{"amount": "25.00", "on": "2024-01-02", "contact": ids["ann"]}]}
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.object_id == str(ids["ann"]) and "privacy request" in entry.summary
        assert "Annabel" not in entry.summary


def _personal_strings() -> tuple[str, ...]:
    return ("Annabel", "Quist", "annabel@example.org", "aq@work.example", "1632960123", "Elm Row", "nuts",
            "Gala", "Annie")


def test_erasure_removes_personal_data_everywhere_and_keeps_what_must_stay(app, admin_client):
    ids = _ann(app)
    url = f"/contacts/{ids['ann']}/privacy/erase"
    ask = admin_client.get(url).get_data(as_text=True)
    assert "This cannot be undone." in ask and "To confirm, type" in ask and "Annie Quist" in ask
    wrong = admin_client.post(url, data={"confirm_name": "Annie Q", "csrf_token": csrf_from(admin_client, url)})
    assert wrong.status_code == 422 and "type it exactly as shown" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, ids["ann"]).first_name == "Annabel"
    calls: list = []
    with gifts_module(app, calls):
        done = admin_client.post(url, data={"confirm_name": " annie  quist ",
                                            "csrf_token": csrf_from(admin_client, url)})
    assert done.status_code == 303
    assert f"Erased the personal data of contact #{ids['ann']}." in admin_client.get(
        done.headers["Location"]).get_data(as_text=True)
    assert calls == [ids["ann"]]
    cid = ids["ann"]
    with app.app_context():
        ann = db.session.get(Contact, cid)
        assert ann.display_name == f"Erased contact #{cid}" and privacy.is_erased(ann)
        assert all(getattr(ann, f) == "" for f in privacy.NAME_FIELDS)
        assert (ann.birth_date, ann.pronouns, ann.notes, ann.source, ann.household_id) == (None, "", "", "", None)
        assert (ann.email, ann.phone, ann.city, ann.postcode) == (None, None, None, None)
        assert ann.deleted_at is not None and ann.do_not_email and ann.do_not_phone and ann.do_not_mail
        assert ann.email_opt_in == "opted_out"
        emails = db.session.scalars(db.select(ContactEmail).where(ContactEmail.contact_id == cid)).all()
        assert emails and all(e.label == "erased" and e.email.startswith("erased:") for e in emails)
        for model in (ContactPhone, ContactAddress, CustomValue, ContactTag):
            assert not db.session.scalars(db.select(model).where(model.contact_id == cid)).all(), model
        assert not db.session.scalars(db.select(Relationship).where(
            (Relationship.contact_a_id == cid) | (Relationship.contact_b_id == cid))).all()
        assert all(c.wording == "" for c in db.session.scalars(
            db.select(ConsentEntry).where(ConsentEntry.contact_id == cid)))
        note = db.session.get(Activity, ids["note"])
        assert (note.subject, note.body, note.kind) == ("Erased", "", "note")
        assert note.occurred_at == NOTE_AT  # the date stays
        task = db.session.get(Task, ids["task"])
        assert (task.title, task.notes) == ("Erased", "")
        assert db.session.get(Contact, ids["household"]).household_id is None
        # the search index no longer finds her
        for word in ("Annabel", "Quist", "annabel@example.org"):
            found = set(db.session.scalars(search.matching_ids(word)))
            assert cid not in found, word
        # nothing personal left in her rows, her activities, or the audit log about her
        texts = [a.subject + " " + a.body for a in db.session.scalars(
            db.select(Activity).where(Activity.contact_id == cid))]
        texts += [a.subject for a in db.session.scalars(db.select(Activity).where(Activity.contact_id == ids["bob"]))]
        # (the household is a contact of its own, named after the family: it stays)
        entries = [e for e in db.session.scalars(db.select(AuditEntry))
                   if (e.object_type, e.object_id) != ("contacts_contact", str(ids["household"]))]
        texts += [e.summary + " " + json.dumps(e.changes) for e in entries]
        leaks = [(s, t) for t in texts for s in _personal_strings() if s.lower() in t.lower()]
        assert not leaks, leaks
        about = [e for e in entries if e.object_type == "contacts_contact" and e.object_id == str(cid)]
        assert {e.action for e in about} >= {"create", "update", "delete"}  # actions stay
        erased = [e for e in about if e.summary == f"Erased personal data of contact #{cid}"]
        assert len(erased) == 1 and erased[0].actor == "admin@example.org"
        # the import guard knows her addresses without holding them
        assert privacy.erased_ids_for_emails(["Annabel@Example.org", "nobody@example.org"]) == {
            "Annabel@Example.org": cid}
    # she is gone from the list and her pages
    assert "Erased contact" not in admin_client.get("/contacts/").get_data(as_text=True)
    assert admin_client.get(f"/contacts/{cid}").status_code == 404
    assert admin_client.get(f"/contacts/{cid}/privacy").status_code == 404


def test_privacy_actions_need_their_permissions(app, client):
    make_user(app)
    ids = _ann(app)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    cid = ids["ann"]
    page = client.get(f"/contacts/{cid}/privacy").get_data(as_text=True)
    assert "You need the “Export contacts to files” permission" in page
    assert "Only a contacts administrator can erase a contact." in page
    assert f"/contacts/{cid}/privacy" not in client.get(f"/contacts/{cid}").get_data(as_text=True)
    token = csrf_from(client, f"/contacts/{cid}/privacy")
    assert client.post(f"/contacts/{cid}/privacy/export", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/contacts/{cid}/privacy/erase").status_code == 403
    assert client.post(f"/contacts/{cid}/privacy/erase",
                       data={"csrf_token": token, "confirm_name": "Annie Quist"}).status_code == 403
    with app.app_context():
        assert db.session.get(Contact, cid).first_name == "Annabel"
        assert not db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export"))


def test_names_with_html_are_shown_as_text(app, admin_client):
    with app.app_context():
        contact = records.create("person", {"first_name": "<script>alert(1)</script>", "last_name": "<b>Bold</b>"})
        db.session.commit()
        cid = contact.id
    for url in (f"/contacts/{cid}/privacy", f"/contacts/{cid}/privacy/erase"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<b>Bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    url = f"/contacts/{cid}/privacy/erase"
    done = admin_client.post(url, data={"confirm_name": "<script>alert(1)</script> <b>Bold</b>",
                                        "csrf_token": csrf_from(admin_client, url)})
    assert done.status_code == 303
