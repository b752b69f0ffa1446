"""Contacts an import creates or updates are found by the same words an edit
would give them: their search document is `search.document`'s, and the
table-level update writes what the ORM would have."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

from sqlalchemy import text

from app import settings
from app.extensions import db
from modules.contacts.importer import documents, undo
from modules.contacts.importer.run import execute, new_run
from modules.contacts.lists import search
from modules.contacts.models import Contact, ImportChange
from modules.contacts.people import records
from modules.contacts.people.records import Details

ROWS = [
    ["First name", "Surname", "Organisation", "E-mail", "Phone", "Mobile", "Address", "Town", "Postcode", "Country"],
    ["Zoë", "Müller", "", "zoe@example.org", "07700 900123", "+33 6 12 34 56 78", "", "Leeds", "ls1 1aa", ""],
    ["", "", "Café — Ünïcode Ltd", "", "+1 (202) 555-0143", "", "1 Rue", "Paris", "", "FR"],
    ["José", "Núñez", "", "carl@example.org", "020 7946 0018 ext. 12", "01481 712345", "", "Bath", "", ""],
    ["Ann", "O'Neil-Smith", "", "ann@example.org", "", "", "", "", "", ""],
]


def _file() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(ROWS)
    return buffer.getvalue().encode("utf-8")


def _document(contact_id: int) -> str:
    """The indexed text: keyed by rowid in SQLite's FTS5 table, by contact_id in PostgreSQL's."""
    key = "contact_id" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    return db.session.execute(text(f"SELECT document FROM contacts_fts WHERE {key} = :id"),
                              {"id": contact_id}).scalar()


def test_created_and_updated_contacts_get_search_documents_as_an_edit_would(app):
    with app.app_context():
        settings.put("contacts", {"default_country": "GB"})
        carl = records.create("person", {"first_name": "Carl", "last_name": "Existing", "notes": "Keep me"},
                              Details(emails=[{"email": "carl@example.org", "label": "", "is_primary": True}],
                                      phones=[{"number": "+12025550143", "label": "", "is_primary": True}],
                                      addresses=[{"line1": "1 Old Road", "city": "York", "postcode": "YO1 1AA",
                                                  "country": "GB", "label": "", "is_primary": True}]))
        db.session.commit()
        carl_id = carl.id
        run = new_run(_file(), "people.csv")
        run.status = "mapped"
        db.session.commit()
        execute(run)
        assert (run.created, run.updated, run.failed) == (3, 1, 0)
        db.session.expire_all()
        ids = [c.contact_id for c in db.session.query(ImportChange).filter_by(import_id=run.id)]
        for contact in db.session.query(Contact).filter(Contact.id.in_(ids)):
            assert _document(contact.id) == search.document(contact, contact.emails, contact.phones), contact.id
        carl = db.session.get(Contact, carl_id)
        # non-empty cells only; emails and phones added; the address filled in
        assert (carl.first_name, carl.last_name, carl.notes) == ("José", "Núñez", "Keep me")
        assert [e.email for e in carl.emails] == ["carl@example.org"]
        assert [(p.number, p.is_primary) for p in carl.phones] == [
            ("+12025550143", True), ("+442079460018", False), ("+441481712345", False)]
        assert [(a.line1, a.city, a.postcode) for a in carl.addresses] == [("1 Old Road", "Bath", "YO1 1AA")]
        assert (carl.display_name, carl.sort_name, carl.phone, carl.city) == (
            "José Núñez", "nunez jose", "+12025550143", "Bath")
        assert "Jose" in search.fold(_document(carl_id)).title()
        undo.undo(run)
        db.session.expire_all()
        carl = db.session.get(Contact, carl_id)
        assert (carl.first_name, carl.last_name, carl.city, carl.display_name) == ("Carl", "Existing", "York",
                                                                                    "Carl Existing")
        assert [p.number for p in carl.phones] == ["+12025550143"]
        assert _document(carl_id) == search.document(carl, carl.emails, carl.phones)


def test_derived_columns_as_records_makes_them():
    def shape(kind="person", **values):
        names = {k: values.pop(k, "") for k in ("prefix", "first_name", "middle_name", "last_name", "suffix",
                                                "preferred_name", "name")}
        return SimpleNamespace(kind=kind, **names, **{k: values.get(k, []) for k in ("emails", "phones", "addresses")})

    email = SimpleNamespace(email="a@example.org", is_primary=False)
    address = SimpleNamespace(city="Leeds", postcode="ls1 1aa", country="gb", is_primary=True)
    shapes = [shape(first_name=" Zoë ", last_name="Müller"),
              shape(prefix="Dr", preferred_name="Jo", first_name="Joanna", middle_name="K", last_name="Núñez",
                    suffix="Jr"),
              shape(), shape("organisation", name=" Café — Ünïcode "), shape("household", name=""),
              shape(last_name="-", emails=[email], addresses=[address],
                    phones=[SimpleNamespace(number="+447700900123", is_primary=False),
                            SimpleNamespace(number="+33612345678", is_primary=True)])]
    columns = ("display_name", "sort_name", "email", "phone", "city", "postcode", "country")
    for item in shapes:
        ours, theirs = SimpleNamespace(**vars(item)), SimpleNamespace(**vars(item))
        documents.refresh_derived(ours)
        records.refresh_derived(theirs)
        assert [getattr(ours, c) for c in columns] == [getattr(theirs, c) for c in columns]
