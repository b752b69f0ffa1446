"""Contact records: derived names, primary details, search upkeep, trash."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.lists import search
from modules.contacts.models import Activity, Contact
from modules.contacts.people import records
from modules.contacts.people.records import Details


def find(query: str) -> list[str]:
    ids = search.matching_ids(query)
    rows = db.session.scalars(db.select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_(None))
                              .order_by(Contact.sort_name))
    return [c.display_name for c in rows]


def test_a_person_gets_a_display_name_sort_key_and_primary_details(app, ctx):
    person = records.create("person", {"prefix": "Dr", "first_name": "José", "last_name": "Núñez",
                                       "preferred_name": "Pepe", "birth_date": date(1980, 5, 1)},
                            Details(emails=[{"email": "pepe@example.org", "label": "home", "is_primary": False},
                                            {"email": "jose@work.example", "label": "work", "is_primary": True}],
                                    phones=[{"number": "+441632960001", "label": "mobile", "is_primary": False}],
                                    addresses=[{"line1": "1 High St", "city": "Leeds", "postcode": "ls1 1aa",
                                                "country": "gb", "label": "home", "is_primary": False}]))
    db.session.commit()
    assert person.display_name == "Dr Pepe Núñez"
    assert person.sort_name == "nunez jose"
    assert (person.email, person.phone, person.postcode, person.country) == (
        "jose@work.example", "+441632960001", "LS1 1AA", "GB")
    assert [e.is_primary for e in person.emails] == [False, True]
    assert person.phones[0].is_primary  # the only one becomes primary


def test_search_finds_by_name_prefix_email_and_phone(app, ctx):
    records.create("person", {"first_name": "Ann", "last_name": "Smith"},
                   Details(emails=[{"email": "ann.smith@riverside.example", "label": "", "is_primary": True}],
                           phones=[{"number": "+441632960001", "label": "", "is_primary": True}]))
    records.create("person", {"first_name": "Andrew", "last_name": "Smithers"})
    records.create("organisation", {"name": "Riverside Food Bank"})
    db.session.commit()
    assert find("smi") == ["Ann Smith", "Andrew Smithers"]
    assert find("an smith") == ["Ann Smith", "Andrew Smithers"]
    assert find("ann smith") == ["Ann Smith"]
    assert find("riverside") == ["Riverside Food Bank", "Ann Smith"]
    assert find("+44 1632 960") == ["Ann Smith"]
    assert find("nobody") == []
    assert search.matching_ids("  ") is None


def test_updates_are_audited_put_on_the_timeline_and_reindexed(app, ctx, admin):
    person = records.create("person", {"first_name": "Ann", "last_name": "Smith"})
    db.session.commit()
    changes = records.update(person, {"last_name": "Jones", "do_not_phone": True})
    db.session.commit()
    assert changes == {"last_name": ("Smith", "Jones"), "do_not_phone": (False, True)}
    assert find("smith") == [] and find("jones") == ["Ann Jones"]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes == {"last_name": ["Smith", "Jones"], "do_not_phone": [False, True]}
    subjects = [a.subject for a in db.session.scalars(db.select(Activity).order_by(Activity.id))]
    assert subjects == ["Created person", "Changed last name, do not phone"]
    assert records.update(person, {"last_name": "Jones"}) == {}


def test_trash_restore_and_purge(app, ctx):
    person = records.create("person", {"first_name": "Tess", "last_name": "Trash"})
    db.session.commit()
    assert records.trash([person]) == 1
    db.session.commit()
    assert find("tess") == [] and records.load(person.id) is None
    assert records.restore([records.load(person.id, deleted=True)]) == 1
    db.session.commit()
    assert find("tess") == ["Tess Trash"]
    records.trash([person])
    assert records.purge([person]) == 1
    db.session.commit()
    assert db.session.get(Contact, person.id) is None


def test_consent_history_records_source_and_wording(app, ctx):
    person = records.create("person", {"first_name": "Olive"})
    db.session.commit()
    assert records.set_opt_in(person, "opted_in", "Web form", "Yes, send me the newsletter")
    assert not records.set_opt_in(person, "opted_in", "Web form")
    db.session.commit()
    from modules.contacts.models import ConsentEntry

    entry = db.session.scalar(db.select(ConsentEntry))
    assert (entry.status, entry.source, entry.wording) == ("opted_in", "Web form", "Yes, send me the newsletter")
