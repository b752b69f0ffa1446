"""Merging two contacts: the preview, what moves, what is dropped, other
modules' merge hooks, search, audit, the timeline and permissions."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import AuditEntry
from app.registry import Module
from modules.contacts import signals
from modules.contacts.hooks import ContactHooks
from modules.contacts.lists import search
from modules.contacts.models import (
    Activity,
    ConsentEntry,
    Contact,
    ContactEmail,
    ContactTag,
    CustomField,
    CustomValue,
    DuplicateDismissal,
    ImportChange,
    ImportRun,
    Relationship,
    RelationshipType,
    Tag,
    Task,
)
from modules.contacts.people import records, relations
from modules.contacts.people.records import Details
from tests.conftest import csrf_from, login, make_user, post_form


def _person(first, last, emails=(), phones=(), addresses=(), **values) -> Contact:
    details = Details(
        emails=[{"email": e, "label": "", "is_primary": i == 0} for i, e in enumerate(emails)],
        phones=[{"number": p, "label": "", "is_primary": i == 0} for i, p in enumerate(phones)],
        addresses=[{"line1": line1, "line2": "", "city": "Leeds", "region": "", "postcode": postcode,
                    "country": "GB", "label": "", "is_primary": i == 0}
                   for i, (line1, postcode) in enumerate(addresses)])
    contact = records.create("person", {"first_name": first, "last_name": last, **values}, details)
    db.session.flush()
    return contact


def _rtype(key: str) -> str:
    rtype = db.session.scalar(db.select(RelationshipType).where(RelationshipType.key == key))
    return f"{rtype.id}:a"


def build(app) -> dict:
    """Ann (survivor) and Anne (to merge), with something of everything."""
    with app.app_context():
        ann = _person("Ann", "Smith", ["ann@x.org", "a2@x.org"], ["+441632960001"],
                      [("1 High St", "LS1 1AA")], notes="Likes tea.")
        anne = _person("Anne", "Smith", ["b@x.org", "ann@x.org"], ["+441632960001", "+441632960002"],
                       [("1 High St", "ls1 1aa"), ("2 Low St", "LS2 2BB")], birth_date=date(1980, 5, 1),
                       pronouns="she/her", notes="Prefers email.")
        sib = _person("Sid", "Smith")
        kid = _person("Kit", "Smith")
        sibling, parent = _rtype("sibling"), _rtype("parent")
        relations.add_relationship(ann, sibling, sib)
        relations.add_relationship(anne, sibling, sib)  # the same link: dropped
        relations.add_relationship(anne, sibling, ann)  # would link Ann to herself: dropped
        relations.add_relationship(anne, parent, kid)  # moves
        shared, mine, theirs = Tag(name="shared"), Tag(name="mine"), Tag(name="theirs")
        for tag in (shared, mine):
            relations.add_tag(ann, tag)
        for tag in (shared, theirs):
            relations.add_tag(anne, tag)
        shoe = CustomField(key="shoe", label="Shoe size", type="text", kinds=["person"], choices=[], active=True)
        nick = CustomField(key="nick", label="Nickname", type="text", kinds=["person"], choices=[], active=True)
        likes = CustomField(key="likes", label="Likes", type="multi_choice", kinds=["person"],
                            choices=["cats", "dogs"], active=True)
        db.session.add_all([shoe, nick, likes])
        db.session.flush()
        db.session.add_all([
            CustomValue(contact_id=ann.id, field_id=shoe.id, value_text="9"),
            CustomValue(contact_id=ann.id, field_id=likes.id, value_text="cats"),
            CustomValue(contact_id=anne.id, field_id=shoe.id, value_text="10"),
            CustomValue(contact_id=anne.id, field_id=nick.id, value_text="Annie"),
            CustomValue(contact_id=anne.id, field_id=likes.id, value_text="cats"),
            CustomValue(contact_id=anne.id, field_id=likes.id, value_text="dogs"),
        ])
        db.session.add(Activity(contact_id=anne.id, kind="note", subject="Met at the gala"))
        db.session.add(Task(contact_id=anne.id, title="Send thanks"))
        run = ImportRun(filename="x.csv", data=b"a,b\n")
        db.session.add(run)
        db.session.flush()
        db.session.add(ImportChange(import_id=run.id, contact_id=anne.id, action="created"))
        records.set_opt_in(anne, "opted_in", "Web form")
        other = _person("Otto", "Other", ["otto@x.org"])
        db.session.add(DuplicateDismissal(contact_a_id=anne.id, contact_b_id=other.id))
        db.session.commit()
        return {"ann": ann.id, "anne": anne.id, "sib": sib.id, "kid": kid.id, "shoe": shoe.id,
                "nick": nick.id, "likes": likes.id}


def test_the_preview_offers_each_field_and_says_what_moves(app, admin_client):
    ids = build(app)
    html = admin_client.get(f"/contacts/merge?keep={ids['ann']}&other={ids['anne']}").get_data(as_text=True)
    for text in ("Choose what the merged contact keeps", "Birth date", "01 May 1980", "she/her",
                 'name="f-notes" value="both"', "Keep both", "Emails added: b@x.org",
                 "1 email already there, kept once", "Phone numbers added", "Addresses added: 2 Low St",
                 "Tags added: theirs", "2 relationships dropped", "Merge into Ann Smith (#"):
        assert text in html, text
    # Empty on the survivor: the merged contact's value is chosen by default.
    assert 'name="f-birth_date" value="other" checked' in html
    assert "timeline entries" in html  # Anne's creation, changes and a note
    assert "1 task" in html and "1 relationship" in html


def test_merge_moves_everything_and_applies_the_choices(app, admin_client):
    ids = build(app)
    ann, anne = ids["ann"], ids["anne"]
    calls, sent = [], []
    fake = Module(name="fakegifts", title="Fake gifts",
                  extends={"contacts": ContactHooks(merge=lambda s, m: calls.append((s, m)))})
    state = app.extensions["steward"]
    state.enabled.append(fake)

    def listener(sender, **kwargs):
        sent.append((sender.id, kwargs["merged"].id))

    signals.contacts_merged.connect(listener)
    try:
        preview = admin_client.get(f"/contacts/merge?keep={ann}&other={anne}").get_data(as_text=True)
        assert "Fake gifts (via the merge hook)" in preview
        response = post_form(admin_client, "/contacts/merge",
                             {"keep": ann, "other": anne, "f-name": "other", "f-notes": "both",
                              "f-pronouns": "keep", "f-email_opt_in": "other"},
                             page=f"/contacts/merge?keep={ann}&other={anne}")
    finally:
        state.enabled.remove(fake)
        signals.contacts_merged.disconnect(listener)
    assert response.status_code == 303 and response.headers["Location"] == f"/contacts/{ann}"
    assert calls == [(ann, anne)] and sent == [(ann, anne)]
    with app.app_context():
        survivor, merged = records.load(ann), records.load(anne, deleted=True)
        # Chosen fields.
        assert (survivor.first_name, survivor.display_name) == ("Anne", "Anne Smith")
        assert survivor.birth_date == date(1980, 5, 1)  # empty on the survivor: taken by default
        assert survivor.pronouns == ""  # kept as chosen
        assert survivor.notes == "Likes tea.\n\nPrefers email."
        assert survivor.email_opt_in == "opted_in"
        # Details, deduplicated; the survivor's primary stays primary.
        assert [(e.email, e.is_primary) for e in survivor.emails] == [
            ("ann@x.org", True), ("a2@x.org", False), ("b@x.org", False)]
        assert survivor.email == "ann@x.org"
        assert sorted(p.number for p in survivor.phones) == ["+441632960001", "+441632960002"]
        assert [a.line1 for a in survivor.addresses] == ["1 High St", "2 Low St"]
        assert [p.number for p in survivor.phones if p.is_primary] == ["+441632960001"]
        # Tags: combined, one link each.
        assert [t.name for t in survivor.tags] == ["mine", "shared", "theirs"]
        assert db.session.scalar(db.select(db.func.count()).select_from(ContactTag)
                                 .where(ContactTag.contact_id == anne)) == 0
        # Custom values: the survivor's value wins, missing ones move, choices combine.
        values = {(v.field_id, v.value_text) for v in db.session.scalars(
            db.select(CustomValue).where(CustomValue.contact_id == ann))}
        assert values == {(ids["shoe"], "9"), (ids["nick"], "Annie"), (ids["likes"], "cats"),
                          (ids["likes"], "dogs")}
        # Relationships: the self-link and the repeated link are gone, the rest moved.
        rels = db.session.scalars(db.select(Relationship)).all()
        assert sorted((r.type.key, r.contact_a_id, r.contact_b_id) for r in rels) == sorted(
            [("sibling", ann, ids["sib"]), ("parent", ann, ids["kid"])])
        # Timeline, tasks, consent: all on the survivor now.
        subjects = db.session.scalars(db.select(Activity.subject).where(Activity.contact_id == ann)).all()
        assert "Met at the gala" in subjects and f"Merged with Anne Smith (#{anne})" in subjects
        assert db.session.scalar(db.select(Task.contact_id).where(Task.title == "Send thanks")) == ann
        # The import no longer owns the merged contact, so undoing it cannot touch the survivor.
        assert db.session.scalar(db.select(ImportChange.contact_id)) is None
        consent = db.session.scalars(db.select(ConsentEntry).where(ConsentEntry.contact_id == ann)).all()
        assert {c.source for c in consent} == {"Web form", f"Merged from #{anne}"}  # moved, and the choice
        assert db.session.scalar(db.select(db.func.count()).select_from(DuplicateDismissal)) == 0
        # The merged contact: in the trash, with a note, nothing left on it.
        assert merged.deleted_at is not None
        assert merged.notes.startswith(f"Merged into #{ann} (Anne Smith)")
        assert merged.emails == [] and merged.phones == [] and merged.addresses == []
        assert db.session.scalar(db.select(db.func.count()).select_from(ContactEmail)
                                 .where(ContactEmail.contact_id == anne)) == 0
        # Search: the survivor is found by the merged contact's email; the merged one never.
        for query in ("b@x.org", "Anne Smith", "ann@x.org"):
            found = set(db.session.scalars(search.matching_ids(query)))
            assert ann in found and anne not in found, query
        # Audit.
        entries = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.summary == f"Merged #{anne} into #{ann}")).all()
        by_action = {e.action: e for e in entries}
        assert set(by_action) == {"update", "delete"}
        assert by_action["update"].object_id == str(ann) and by_action["delete"].object_id == str(anne)
        assert "first_name" in by_action["update"].changes and "notes" in by_action["update"].changes
    page = admin_client.get(f"/contacts/{ann}").get_data(as_text=True)
    assert "Merged Anne Smith" in page  # the flash
    assert admin_client.get(f"/contacts/{anne}").status_code == 404


def test_the_opt_in_choice_is_recorded_as_consent_history(app, admin_client):
    with app.app_context():
        a = _person("Ann", "Smith")
        b = _person("Ann", "Smith")
        records.set_opt_in(b, "opted_out", "Phone call")
        db.session.commit()
        a_id, b_id = a.id, b.id
    post_form(admin_client, "/contacts/merge", {"keep": a_id, "other": b_id, "f-email_opt_in": "other"},
              page=f"/contacts/merge?keep={a_id}&other={b_id}")
    with app.app_context():
        rows = db.session.scalars(db.select(ConsentEntry).where(ConsentEntry.contact_id == a_id)
                                  .order_by(ConsentEntry.id)).all()
        assert [(r.status, r.source) for r in rows] == [("opted_out", "Phone call"),
                                                        ("opted_out", f"Merged from #{b_id}")]
        assert db.session.get(Contact, a_id).email_opt_in == "opted_out"


def test_two_households_merge_and_their_members_move(app, admin_client):
    with app.app_context():
        h1 = records.create("household", {"name": "The Reids"})
        h2 = records.create("household", {"name": "Reid Family"})
        db.session.flush()
        member = _person("Jo", "Reid", household_id=h2.id)
        db.session.commit()
        h1_id, h2_id, member_id = h1.id, h2.id, member.id
    response = post_form(admin_client, "/contacts/merge", {"keep": h1_id, "other": h2_id},
                         page=f"/contacts/merge?keep={h1_id}&other={h2_id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Contact, member_id).household_id == h1_id


def test_contacts_of_different_kinds_or_the_same_one_cannot_be_merged(app, admin_client):
    with app.app_context():
        a = _person("Ann", "Smith")
        org = records.create("organisation", {"name": "Ann Smith Ltd"})
        db.session.commit()
        a_id, org_id = a.id, org.id
    html = admin_client.get(f"/contacts/merge?keep={a_id}&other={org_id}").get_data(as_text=True)
    assert "Only contacts of the same kind can be merged." in html
    token = csrf_from(admin_client, "/contacts/duplicates")
    response = admin_client.post("/contacts/merge", data={"keep": a_id, "other": a_id, "csrf_token": token})
    assert response.status_code == 409
    assert admin_client.get("/contacts/merge").status_code == 400
    with app.app_context():
        assert db.session.get(Contact, a_id).deleted_at is None


def test_names_are_escaped_on_the_preview(app, admin_client):
    with app.app_context():
        a = _person("<script>alert(1)</script>", "Smith", notes="<img src=x onerror=alert(2)>")
        b = _person("Ann", "<b>Smith</b>", notes="<i>x</i>")
        db.session.commit()
        a_id, b_id = a.id, b.id
    html = admin_client.get(f"/contacts/merge?keep={a_id}&other={b_id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Smith</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Smith&lt;/b&gt;" in html


def test_merging_needs_edit_and_delete(app, client):
    with app.app_context():
        a, b = _person("Ann", "Smith"), _person("Ann", "Smith")
        db.session.commit()
        url = f"/contacts/merge?keep={a.id}&other={b.id}"
        a_id, b_id = a.id, b.id
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    volunteer, staff = app.test_client(), app.test_client()
    login(volunteer, "vol@example.org")
    login(staff, "staff@example.org")
    assert volunteer.get(url).status_code == 403
    assert staff.get(url).status_code == 403
    token = csrf_from(staff, "/contacts/duplicates")
    assert staff.post("/contacts/merge", data={"keep": a_id, "other": b_id, "csrf_token": token}).status_code == 403
    queue = staff.get("/contacts/duplicates").get_data(as_text=True)
    assert "Merge…" not in queue  # staff may dismiss pairs, not merge them
    with app.app_context():
        assert db.session.get(Contact, b_id).deleted_at is None
