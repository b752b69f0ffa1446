"""The contacts-by-tag rollup (contacts_tag_day), kept by database triggers:
after every kind of write that adds or removes a tag, or changes whether or
when a contact counts, it equals a full recomputation from the tags and
contacts. Each test also checks a figure worked out by hand, so that a
rollup and a recomputation that were both empty could not pass."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import User
from modules.contacts.dedupe import merge
from modules.contacts.lists import bulk, tag_days
from modules.contacts.models import Contact, ContactTag, ContactTagDay, Tag
from modules.contacts.people import privacy, records, relations
from tests.conftest import csrf_from
from tests.modules.contacts.test_import import _start, post, run_id, upload, work

JAN5, JAN6 = date(2026, 1, 5), date(2026, 1, 6)


def person(first: str, created: datetime | None = None) -> Contact:
    contact = records.create("person", {"first_name": first, "last_name": "Tagged"})
    db.session.flush()
    if created is not None:
        contact.created_at = created
        db.session.flush()
    return contact


def tag(name: str) -> Tag:
    found = db.session.scalar(select(Tag).where(Tag.name == name))
    if found is None:
        found = Tag(name=name)
        db.session.add(found)
        db.session.flush()
    return found


def held() -> dict:
    """The rollup, checked against a full recomputation."""
    stored = tag_days.stored()
    assert stored == tag_days.recomputed()
    return stored


def test_forms_trash_restore_redate_and_delete(app):
    with app.app_context():
        ann = person("Ann", datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
        bo = person("Bo", datetime(2026, 1, 6, 0, 15, tzinfo=UTC))
        donor, board = tag("Donor"), tag("Board")
        relations.add_tag(ann, donor)  # the contact form and page: the ORM collection
        relations.add_tag(bo, donor)
        relations.add_tag(bo, board)
        db.session.flush()
        assert held() == {(donor.id, JAN5): 1, (donor.id, JAN6): 1, (board.id, JAN6): 1}
        records.trash([bo])
        db.session.flush()
        assert held() == {(donor.id, JAN5): 1}
        records.restore([bo])
        db.session.flush()
        assert held() == {(donor.id, JAN5): 1, (donor.id, JAN6): 1, (board.id, JAN6): 1}
        ann.created_at = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # re-dated: moves to its new day
        db.session.flush()
        assert held() == {(donor.id, JAN6): 2, (board.id, JAN6): 1}
        relations.remove_tag(bo, board)
        db.session.flush()
        assert held() == {(donor.id, JAN6): 2}
        # a live contact deleted outright (an import's undo does so): ON DELETE CASCADE takes its tags
        db.session.execute(delete(Contact).where(Contact.id == ann.id))
        assert held() == {(donor.id, JAN6): 1}
        # trashed, then purged: it stopped counting when trashed
        records.trash([bo])
        db.session.flush()
        records.purge([bo])
        db.session.flush()
        assert held() == {}
        db.session.commit()


def test_bulk_tag_untag_and_trash(app, admin):
    with app.app_context():
        people = [person(n, datetime(2026, 1, 5, 12, tzinfo=UTC)) for n in ("Ann", "Bo", "Cy")]
        ids, volunteer = [p.id for p in people], tag("Volunteer")
        db.session.commit()
        user = db.session.get(User, admin.id)
        assert bulk.run("tag_add", bulk.Selection("selected", ids, None), volunteer.id, user) == 3
        assert held() == {(volunteer.id, JAN5): 3}
        assert bulk.run("tag_remove", bulk.Selection("selected", ids[:1], None), volunteer.id, user) == 1
        assert held() == {(volunteer.id, JAN5): 2}
        assert bulk.run("trash", bulk.Selection("selected", ids[1:2], None), None, user) == 1
        assert held() == {(volunteer.id, JAN5): 1}


def test_merge_moves_and_drops_tags(app, admin):
    with app.app_context():
        survivor = person("Ann", datetime(2026, 1, 5, 12, tzinfo=UTC))
        merged = person("Anne", datetime(2026, 1, 6, 12, tzinfo=UTC))
        donor, board = tag("Donor"), tag("Board")
        for contact, tags in ((survivor, [donor]), (merged, [donor, board])):
            db.session.add_all([ContactTag(contact_id=contact.id, tag_id=t.id) for t in tags])
        db.session.commit()
        assert held() == {(donor.id, JAN5): 1, (donor.id, JAN6): 1, (board.id, JAN6): 1}
        merge.merge(survivor, merged, {}, user=db.session.get(User, admin.id))
        db.session.commit()
        # the survivor (added on the 5th) has both; the merged contact is in the trash
        assert held() == {(donor.id, JAN5): 1, (board.id, JAN5): 1}


def test_erasure(app):
    with app.app_context():
        ann = person("Ann", datetime(2026, 1, 5, 12, tzinfo=UTC))
        donor = tag("Donor")
        relations.add_tag(ann, donor)
        db.session.commit()
        assert held() == {(donor.id, JAN5): 1}
        privacy.erase(ann)
        db.session.commit()
        assert held() == {}


def test_tag_merge_and_delete_in_admin(app, admin_client):
    with app.app_context():
        ann = person("Ann", datetime(2026, 1, 5, 12, tzinfo=UTC))
        bo = person("Bo", datetime(2026, 1, 5, 13, tzinfo=UTC))
        old, new, gone = tag("Friends"), tag("Supporters"), tag("Old list")
        db.session.add_all([ContactTag(contact_id=ann.id, tag_id=old.id), ContactTag(contact_id=bo.id, tag_id=old.id),
                            ContactTag(contact_id=bo.id, tag_id=new.id), ContactTag(contact_id=ann.id, tag_id=gone.id)])
        db.session.commit()
        old_id, new_id, gone_id = old.id, new.id, gone.id
    url = f"/contacts/admin/tags/{old_id}/merge"
    response = admin_client.post(url, data={"target": new_id, "csrf_token": csrf_from(admin_client, url)})
    assert response.status_code == 303
    with app.app_context():
        assert held() == {(new_id, JAN5): 2, (gone_id, JAN5): 1}
    url = f"/contacts/admin/tags/{gone_id}/delete"
    response = admin_client.post(url, data={"csrf_token": csrf_from(admin_client, f"/contacts/admin/tags/{gone_id}")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Tag, gone_id) is None
        assert held() == {(new_id, JAN5): 2}
        # a tag deleted with its rows by the database's cascade leaves nothing behind either
        db.session.execute(delete(Tag).where(Tag.id == new_id))
        assert held() == {} and db.session.scalar(select(db.func.count()).select_from(ContactTagDay)) == 0


def test_import_and_its_undo(app, admin_client):
    data = b"First name,Last name,Tags\nAnn,Lee,\"Donors, New Tag\"\nBo,Ray,New tag;Donors\nCy,Po,Donors\n"
    rid = run_id(upload(admin_client, "tags.csv", data))
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        tags = {t.name: t.id for t in db.session.scalars(select(Tag))}
        today = db.session.scalar(select(Contact.created_at).where(Contact.first_name == "Ann")).date()
        assert held() == {(tags["Donors"], today): 3, (tags["New Tag"], today): 2}
    undo = f"/contacts/import/{rid}/undo"
    assert post(admin_client, undo, {}, page=undo).status_code == 303
    with app.app_context():
        assert held() == {}


def test_import_update_adds_tags_to_an_existing_contact(app, admin_client):
    with app.app_context():
        carl = records.create("person", {"first_name": "Carl", "last_name": "Existing"},
                              records.Details(emails=[{"email": "carl@example.org", "label": "", "is_primary": True}]))
        carl.created_at = datetime(2026, 1, 5, 12, tzinfo=UTC)
        db.session.commit()
    data = b"First name,Last name,Email,Tags\nCarl,Existing,carl@example.org,Donors\n"
    rid = run_id(upload(admin_client, "carl.csv", data))
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        donors = db.session.scalar(select(Tag.id).where(Tag.name == "Donors"))
        assert held() == {(donors, JAN5): 1}
    undo = f"/contacts/import/{rid}/undo"
    assert post(admin_client, undo, {}, page=undo).status_code == 303
    with app.app_context():
        assert held() == {}


def test_api_sets_tags(app, admin):
    from modules.contacts.api import contact_resource

    with app.app_context():
        ann = person("Ann", datetime(2026, 1, 5, 12, tzinfo=UTC))
        contact_resource.set_tags(ann, ["Donor", "Board"])
        db.session.flush()
        donor, board = tag("Donor"), tag("Board")
        assert held() == {(donor.id, JAN5): 1, (board.id, JAN5): 1}
        contact_resource.set_tags(ann, ["Board"])
        db.session.flush()
        assert held() == {(board.id, JAN5): 1}
        db.session.commit()


def test_seed(app):
    result = app.test_cli_runner().invoke(args=["seed", "--contacts", "120", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert sum(held().values()) == db.session.scalar(
            select(db.func.count()).select_from(ContactTag).join(Contact, Contact.id == ContactTag.contact_id)
            .where(Contact.deleted_at.is_(None))) > 0


def test_rebuild_repairs_and_in_step_says_so(app):
    with app.app_context():
        ann = person("Ann", datetime(2026, 1, 5, 12, tzinfo=UTC))
        donor = tag("Donor")
        relations.add_tag(ann, donor)
        db.session.commit()
        donor_id = donor.id
        assert tag_days.in_step()
        db.session.execute(update(ContactTagDay).values(contacts=5))
        db.session.commit()
        assert not tag_days.in_step()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert "Live contacts per tag and day of creation (contacts): 1 row(s), equal to a full recomputation." \
        in result.output, result.output
    with app.app_context():
        assert tag_days.stored() == {(donor_id, JAN5): 1} and tag_days.in_step()


def test_a_missing_trigger_is_reported(app, monkeypatch):
    with app.app_context():
        assert tag_days.in_step()
        monkeypatch.setattr(tag_days, "TRIGGERS", (*tag_days.TRIGGERS, "contacts_tag_day_not_there"))
        assert not tag_days.triggers_present() and not tag_days.in_step()
