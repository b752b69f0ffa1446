"""`flask seed`: the contacts module's demo data through the CLI: the kinds
and details it makes, quick search finds every contact, the same seed gives
the same data, a big seed builds its indexes at the end and is all or
nothing, and a database with contacts is left alone without --append."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from modules.contacts import seed as contacts_seed
from modules.contacts.lists import search
from modules.contacts.models import (
    HOUSEHOLD,
    ORGANISATION,
    PERSON,
    Activity,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
    Task,
)
from tests.conftest import empty_tables

E164 = re.compile(r"^\+1[2-9]\d{2}55501\d{2}$")


def seed(app, *args):
    return app.test_cli_runner().invoke(args=["seed", *args])


def per_contact(model, column) -> dict[int, list]:
    out: dict[int, list] = {}
    for contact_id, value in db.session.execute(select(model.contact_id, column).order_by(model.id)):
        out.setdefault(contact_id, []).append(value)
    return out


def digest() -> str:
    """The names, emails and phones of every contact, independent of ids."""
    emails, phones = per_contact(ContactEmail, ContactEmail.email), per_contact(ContactPhone, ContactPhone.number)
    rows = sorted((c.kind, c.display_name, c.sort_name, tuple(emails.get(c.id, ())), tuple(phones.get(c.id, ())))
                  for c in db.session.scalars(select(Contact)))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def indexes() -> dict[str, set]:
    """Every index on the tables the contacts seed fills, as the database reports it."""
    inspector = sa_inspect(db.engine)
    tables = [m.__table__.name for m in (Contact, Relationship, *contacts_seed.DETAIL_COLUMNS)]
    return {table: {(i["name"], tuple(i.get("column_names") or ()), tuple(i.get("expressions") or ()),
                     bool(i["unique"])) for i in inspector.get_indexes(table)} for table in tables}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_makes_every_kind_with_its_details(app):
    result = seed(app, "--contacts", "200", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "Seeding Contacts" in result.output
    assert "contacts: 200/200" in result.output
    assert re.search(r"Seeded 200 contacts \(seed 7\) in [\d.]+ s", result.output)

    with app.app_context():
        contacts = db.session.scalars(select(Contact)).all()
        kinds = Counter(c.kind for c in contacts)
        assert kinds == {PERSON: 160, HOUSEHOLD: 20, ORGANISATION: 20}
        emails = per_contact(ContactEmail, ContactEmail.email)
        phones = per_contact(ContactPhone, ContactPhone.number)
        addresses = per_contact(ContactAddress, ContactAddress.city)
        for c in contacts:
            assert c.display_name and c.sort_name and c.display_name != "(no name)"
            assert all(E164.match(n) for n in phones[c.id]), phones[c.id]
            assert c.phone == phones[c.id][0]
            assert c.city == addresses[c.id][0] and c.country == "US"
            if c.kind == PERSON:
                assert c.first_name and c.last_name
                assert 1 <= len(emails[c.id]) <= 3 and 1 <= len(phones[c.id]) <= 2
                assert 1 <= len(addresses[c.id]) <= 2
                assert c.email == emails[c.id][0]
            elif c.kind == ORGANISATION:
                assert c.name and c.email == emails[c.id][0].lower()
                assert c.email.startswith("info@") and c.email.endswith(".example")
        assert {len(v) for v in emails.values()} >= {1, 2}
        assert all(e.split("@")[1].endswith((".example", "example.org", "example.com", "example.net"))
                   for v in emails.values() for e in v)
        primaries = db.session.scalar(select(func.count()).select_from(ContactEmail).where(ContactEmail.is_primary))
        assert primaries == len(emails)

        # Households have members, who share their name and address.
        households = [c for c in contacts if c.kind == HOUSEHOLD]
        by_id = {c.id: c for c in contacts}
        for household in households:
            members = [c for c in contacts if c.household_id == household.id]
            assert members, household.display_name
            assert all(household.name == f"The {m.last_name} Family" for m in members)
            assert all(by_id[m.id].postcode == household.postcode for m in members)

        types = dict(db.session.execute(select(RelationshipType.id, RelationshipType.key)).all())
        links = Counter(types[r.type_id] for r in db.session.scalars(select(Relationship)))
        assert links["spouse"] and links["parent"] and links["employer"], links
        for r in db.session.scalars(select(Relationship)):
            a, b = by_id[r.contact_a_id], by_id[r.contact_b_id]
            if types[r.type_id] == "employer":
                assert (a.kind, b.kind) == (ORGANISATION, PERSON)
            else:
                assert a.household_id == b.household_id is not None

        tags = db.session.scalars(select(Tag)).all()
        assert len(tags) >= 5 and len({t.colour for t in tags}) >= 5
        assert db.session.scalar(select(func.count()).select_from(ContactTag)) > 50
        fields = {f.id: f for f in db.session.scalars(select(CustomField))}
        used = Counter(fields[v.field_id].key for v in db.session.scalars(select(CustomValue)))
        assert set(used) == {"member_since", "tshirt_size", "staff_count"}, used
        for value in db.session.scalars(select(CustomValue)):
            field = fields[value.field_id]
            assert by_id[value.contact_id].kind in field.kinds
            if field.type == "choice":
                assert value.value_text in field.choices

        activity = Counter(db.session.scalars(select(Activity.kind)))
        assert activity["change"] == 200 and activity["note"] and activity["call"]
        assert db.session.scalar(select(func.count()).select_from(Task)) >= 3


def test_every_seeded_contact_is_found_by_quick_search(app):
    assert seed(app, "--contacts", "200", "--seed", "11").exit_code == 0
    with app.app_context():
        contacts = db.session.scalars(select(Contact)).all()
        assert len(contacts) == 200
        for c in contacts:
            query = c.last_name if c.kind == PERSON else c.name
            found = set(db.session.scalars(search.matching_ids(query)))
            assert c.id in found, (query, c.kind)
        person = next(c for c in contacts if c.kind == PERSON)
        assert person.id in set(db.session.scalars(search.matching_ids(person.email)))
        national = person.phone[2:]  # typed without +1
        assert person.id in set(db.session.scalars(search.matching_ids(
            f"({national[:3]}) {national[3:6]}-{national[6:]}")))


def test_the_same_seed_gives_the_same_data(app):
    """Seed, digest, empty the tables, seed again: one database, so it also
    runs under PostgreSQL (where every test app shares DATABASE_URL)."""
    assert seed(app, "--contacts", "120", "--seed", "5").exit_code == 0
    with app.app_context():
        first = digest()
    empty_tables(app)
    assert seed(app, "--contacts", "120", "--seed", "5").exit_code == 0
    with app.app_context():
        assert digest() == first
    empty_tables(app)
    assert seed(app, "--contacts", "120", "--seed", "6").exit_code == 0
    with app.app_context():
        assert digest() != first


def test_refuses_a_database_with_contacts_unless_appending(app):
    assert seed(app, "--contacts", "20").exit_code == 0
    result = seed(app, "--contacts", "20")
    assert result.exit_code != 0
    assert "already has 20 contacts" in result.output and "--append" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 20
    result = seed(app, "--contacts", "30", "--seed", "2", "--append")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 50
        names = list(db.session.scalars(select(Tag.name)))
        assert len(names) == len(set(names))  # the tags and custom fields are reused
        keys = list(db.session.scalars(select(CustomField.key)))
        assert len(keys) == len(set(keys))


def test_needs_a_number_of_contacts(app):
    assert seed(app).exit_code != 0
    assert seed(app, "--contacts", "0").exit_code != 0


def test_if_empty_adds_nothing_to_a_database_with_contacts(app):
    """What `make demo` runs: demo data for an empty database only."""
    assert seed(app, "--contacts", "10", "--if-empty").exit_code == 0
    result = seed(app, "--contacts", "10", "--if-empty")
    assert result.exit_code == 0 and "no demo data added" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 10


def test_a_big_seed_into_an_empty_database_builds_its_indexes_at_the_end(app, monkeypatch):
    """The same data as chunk by chunk, and every index is back afterwards."""
    monkeypatch.setattr(contacts_seed, "BULK_FROM", 100)
    monkeypatch.setattr(contacts_seed, "CHUNK", 40)
    with app.app_context():
        before = indexes()
        assert sum(1 for table in before.values() for *_, unique in table if not unique) >= 10
    result = seed(app, "--contacts", "120", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert re.search(r"contacts: 120/120 contacts, \d+ indexes built", result.output)
    with app.app_context():
        assert indexes() == before
        bulk = digest()
        person = db.session.scalars(select(Contact).where(Contact.kind == PERSON)).first()
        assert person.id in set(db.session.scalars(search.matching_ids(person.email)))
    empty_tables(app)
    monkeypatch.setattr(contacts_seed, "BULK_FROM", 10**9)
    result = seed(app, "--contacts", "120", "--seed", "5")
    assert result.exit_code == 0 and "indexes built" not in result.output
    with app.app_context():
        assert digest() == bulk


def test_a_big_seed_that_fails_leaves_the_database_as_it_was(app, monkeypatch):
    monkeypatch.setattr(contacts_seed, "BULK_FROM", 100)
    monkeypatch.setattr(contacts_seed, "CHUNK", 40)
    write, calls = contacts_seed.Seeder.write, []

    def fail_on_the_second_chunk(out):
        calls.append(out)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        write(out)

    monkeypatch.setattr(contacts_seed.Seeder, "write", staticmethod(fail_on_the_second_chunk))
    with app.app_context():
        before = indexes()
    result = seed(app, "--contacts", "120")
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    with app.app_context():
        assert (count(Contact), count(ContactEmail), count(Activity), count(Tag)) == (0, 0, 0, 0)
        assert indexes() == before
    # A small seed (or --append) commits chunk by chunk: what went in before a failure stays.
    monkeypatch.setattr(contacts_seed, "BULK_FROM", 10**9)
    calls.clear()
    assert seed(app, "--contacts", "120").exit_code != 0
    with app.app_context():
        assert count(Contact) == 40
