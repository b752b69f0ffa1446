"""Imports work in chunks, each committed on its own: a run that stops carries
on where it stopped (even with another chunk size), and what every chunk
wrote — contacts with their derived columns, search documents, change
records, audit entries — is as one contact at a time would have made it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select, text

from app import settings
from app.extensions import db
from app.models import AuditEntry
from modules.contacts.importer import plan
from modules.contacts.importer.run import execute, new_run
from modules.contacts.lists import search
from modules.contacts.models import (
    Activity,
    Contact,
    ContactEmail,
    ContactTag,
    CustomValue,
    ImportChange,
    ImportRun,
    Tag,
)
from modules.contacts.people import records
from modules.contacts.people.records import Details

HEADER = ["First name", "Last name", "Organisation", "Email", "Phone", "Town", "Postcode", "Country", "Tags"]


def _rows(n: int) -> list[list[str]]:
    out = []
    for i in range(n):
        if i % 7 == 3:
            out.append(["", "", f"Café Nº{i}", f"org{i}@example.org", "", "Leeds", "ls1 1aa", "GB", ""])
        elif i % 11 == 5:
            out.append([f"Bad{i}", "Row", "", "not-an-email@", "", "", "", "", ""])
        else:
            out.append([f"Zoë{i}", f"Müller-{i}", "", f"p{i}@example.org", f"07700 900{i:03d}", "York",
                        f"yo{i % 9} 1aa", "", "Donor; Vol"])
    out.append(["Carl", "Matched", "", "carl@example.org", "+1 202 555 0143 ext. 9", "Bath", "", "", "New"])
    return out


def _file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8")


def _document(contact_id: int) -> str | None:
    key = "contact_id" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    return db.session.execute(text(f"SELECT document FROM contacts_fts WHERE {key} = :id"),  # noqa: S608
                              {"id": contact_id}).scalar()


class Stop(Exception):
    pass


@pytest.fixture
def small_chunks(monkeypatch):
    from modules.contacts.importer import run

    def use(size: int, commit_every: int = 1) -> None:
        monkeypatch.setattr(plan, "CHUNK", size)
        monkeypatch.setattr(plan.Planner.chunks, "__defaults__", (None, size))
        monkeypatch.setattr(run, "COMMIT_EVERY", commit_every)
    return use


def test_a_stopped_import_carries_on_after_its_last_chunk_even_with_another_chunk_size(app, small_chunks):
    with app.app_context():
        settings.put("contacts", {"default_country": "GB"})
        carl = records.create("person", {"first_name": "Carl", "last_name": "Existing"},
                              Details(emails=[{"email": "carl@example.org", "label": "", "is_primary": True}]))
        db.session.commit()
        carl_id = carl.id
        rows = _rows(60)
        run = new_run(_file(rows), "people.csv")
        run.status = "mapped"
        db.session.commit()
        run_id = run.id
        calls = []

        def progress(done, total):
            db.session.commit()
            calls.append(done)
            if len(calls) == 2:
                raise Stop

        small_chunks(5, commit_every=5)  # a commit every 25 rows
        with pytest.raises(Stop):
            execute(run, progress=progress)
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        assert calls == [25, 50]
        assert run.created + run.updated + run.skipped + run.failed == 50
        small_chunks(7, commit_every=2)  # the retry (a new deployment, say) reads the file in other chunks
        execute(run)
        db.session.expire_all()
        run = db.session.get(ImportRun, run_id)
        failed = sum(1 for i in range(60) if i % 11 == 5 and i % 7 != 3)
        assert (run.created, run.updated, run.failed, run.status) == (60 - failed, 1, failed, "finished")
        assert run.failures_csv.decode("utf-8-sig").count("not a valid email address") == failed
        # every row once: one contact per email, one change record per contact
        emails = db.session.scalars(select(ContactEmail.email)).all()
        assert len(emails) == len(set(emails)) == 60 - failed + 1
        changes = db.session.execute(select(ImportChange.contact_id, ImportChange.action)
                                     .where(ImportChange.import_id == run_id)).all()
        assert sorted(a for _, a in changes).count("created") == 60 - failed
        assert [c for c, a in changes if a == "updated"] == [carl_id]
        created = [c for c, a in changes if a == "created"]
        assert len(set(created)) == len(created)
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.object_type == "contacts_contact", AuditEntry.summary.like(f"%(import #{run_id})")))
        assert audited == 60 - failed + 1
        timeline = db.session.scalar(select(func.count()).select_from(Activity).where(
            Activity.subject == "Imported from people.csv"))
        assert timeline == 60 - failed + 1


def test_created_contacts_have_the_derived_columns_and_search_documents_records_would_give(app, small_chunks):
    with app.app_context():
        settings.put("contacts", {"default_country": "GB"})
        db.session.commit()
        small_chunks(9)
        run = new_run(_file(_rows(30)), "people.csv")
        run.status = "mapped"
        db.session.commit()
        execute(run)
        db.session.expire_all()
        contacts = db.session.scalars(select(Contact)).all()
        assert len(contacts) == 30 - sum(1 for i in range(30) if i % 11 == 5 and i % 7 != 3) + 1
        columns = ("display_name", "sort_name", "email", "phone", "city", "postcode", "country")
        for contact in contacts:
            stored = [getattr(contact, c) for c in columns]
            records.refresh_derived(contact)
            assert stored == [getattr(contact, c) for c in columns], contact.id
            assert _document(contact.id) == search.document(contact, contact.emails, contact.phones), contact.id
        db.session.rollback()


def _state(contact_id: int) -> dict:
    """Everything an import may change on a contact, as a user would see it."""
    contact = db.session.get(Contact, contact_id)
    columns = [c.name for c in Contact.__table__.c if c.name not in ("updated_at",)]
    return {
        "columns": {c: getattr(contact, c) for c in columns},
        "emails": [(e.email, e.label, e.is_primary) for e in contact.emails],
        "phones": [(p.number, p.label, p.is_primary) for p in contact.phones],
        "addresses": [(a.label, a.line1, a.line2, a.city, a.region, a.postcode, a.country, a.is_primary)
                      for a in contact.addresses],
        "tags": [t.name for t in contact.tags],
        "custom": sorted(db.session.execute(select(CustomValue.field_id, CustomValue.value_text).where(
            CustomValue.contact_id == contact_id)).all()),
        "document": _document(contact_id),
    }


def test_undo_in_small_chunks_removes_what_the_import_created_and_puts_back_what_it_changed(app, small_chunks,
                                                                                            monkeypatch):
    from modules.contacts.importer import undo
    from modules.contacts.models import CustomField, Task

    with app.app_context():
        settings.put("contacts", {"default_country": "GB"})
        field = CustomField(key="level", label="Level", type="choice", kinds=["person"], choices=["Gold", "Silver"],
                            position=1, active=True)
        donor = Tag(name="Donor", colour="green")
        db.session.add_all([field, donor])
        db.session.flush()
        existing = []
        for i in range(3):
            contact = records.create(
                "person", {"first_name": f"Old{i}", "last_name": "Person", "notes": "Keep"},
                Details(emails=[{"email": f"old{i}@example.org", "label": "home", "is_primary": True},
                                {"email": f"other{i}@example.org", "label": "", "is_primary": False}],
                        phones=[{"number": "+441632960001", "label": "", "is_primary": True}],
                        addresses=[{"line1": "1 Old Road", "city": "York", "postcode": "YO1 1AA", "country": "GB",
                                    "label": "", "is_primary": True}]))
            db.session.flush()
            db.session.add(CustomValue(contact_id=contact.id, field_id=field.id, value_text="Silver"))
            db.session.add(ContactTag(contact_id=contact.id, tag_id=donor.id))
            existing.append(contact.id)
        db.session.commit()
        before = {cid: _state(cid) for cid in existing}
        header = ["First name", "Last name", "Email", "Phone", "Address", "Town", "Postcode", "Tags", "Level",
                  "Newsletter"]
        rows = [[f"New{i}", "Person", f"new{i}@example.org", f"07700 900{i:03d}", f"{i} New Street", "Leeds",
                 "LS1 1AA", "Volunteer", "Gold", "yes"] for i in range(17)]
        rows[4:4] = [["Changed", f"Name{i}", f"old{i}@example.org", "+1 202 555 0143", "2 New Road", "Bath",
                      "BA1 1AA", "Volunteer; Board", "Gold", "yes"] for i in range(3)]
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        small_chunks(6)
        run = new_run(buffer.getvalue().encode(), "people.csv")
        run.status = "mapped"
        db.session.commit()
        execute(run)
        assert (run.created, run.updated, run.failed) == (17, 3, 0)
        assert _state(existing[1]) != before[existing[1]]
        created = db.session.scalars(select(ImportChange.contact_id).where(
            ImportChange.import_id == run.id, ImportChange.action == "created")).all()
        worked_on = created[5]
        db.session.add(Task(contact_id=worked_on, title="Call back"))
        db.session.commit()

        monkeypatch.setattr(undo, "CHUNK", 4)
        # the tags it created: "Board" (only on the contacts it changed, now put back) goes; "Volunteer"
        # stays, worn by the contact in the trash
        assert undo.undo(run) == {"removed": 16, "trashed": 1, "restored": 3, "values": (
            "Removed the tag “Board” it created. Kept the tag “Volunteer” it created: other contacts use them now.")}
        db.session.expire_all()
        # created contacts: gone with everything they had, except the one worked on since (in the trash)
        left = db.session.scalars(select(Contact.id).where(Contact.id.in_(created))).all()
        assert left == [worked_on]
        assert db.session.get(Contact, worked_on).deleted_at is not None
        assert _document(worked_on) is None
        assert db.session.scalar(select(func.count()).select_from(ContactEmail).where(
            ContactEmail.contact_id.in_(created))) == 1
        assert db.session.scalar(select(func.count()).select_from(CustomValue).where(
            CustomValue.contact_id.in_(created))) == 1
        # updated contacts: exactly what they were, search document included
        for cid in existing:
            assert _state(cid) == before[cid], cid
            contact = db.session.get(Contact, cid)
            assert _document(cid) == search.document(contact, contact.emails, contact.phones)
        restored = db.session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.summary.like(f"Restored %: import #{run.id} was undone")).order_by(AuditEntry.id)).all()
        assert restored == [str(c) for c in existing]
        removed = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.summary.like(f"Removed %: the import #{run.id} that created them was undone")))
        assert removed == 16
        undone = db.session.scalars(select(Activity.contact_id).where(
            Activity.subject == "Import of people.csv undone")).all()
        assert sorted(undone) == existing
        assert db.session.get(ImportRun, run.id).status == "undone"
