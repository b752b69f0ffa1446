"""people.existing: the one rule for "this contact is already there" that the
new-contact form, the import and (later) the API share (issue 16, part 2)."""

from __future__ import annotations

import re

from app.extensions import db
from modules.contacts.importer import matching
from modules.contacts.importer.validate import Row
from modules.contacts.people import existing, records
from modules.contacts.people.records import Details


def _make(kind="person", emails=(), postcode=None, **values) -> int:
    details = Details(emails=[{"email": e, "label": "", "is_primary": i == 0} for i, e in enumerate(emails)],
                      addresses=[{"line1": "1 High St", "city": "Town", "postcode": postcode, "country": "GB",
                                  "label": "", "is_primary": True}] if postcode else [])
    contact = records.create(kind, values, details)
    db.session.flush()
    return contact.id


def _ids(matches) -> list[int]:
    return [m.contact_id for m in matches]


def test_email_matches_whatever_the_case_and_names_the_address(ctx):
    ann = _make(first_name="Ann", last_name="Smith", emails=["Ann.Smith@Example.ORG"])
    db.session.commit()
    [match] = existing.find("person", emails=["ANN.SMITH@example.org"], first_name="Someone", last_name="Else")
    assert (match.contact_id, match.display_name, match.emails, match.postcode) == (
        ann, "Ann Smith", ["ann.smith@example.org"], "")
    assert match.reasons == ["same email ann.smith@example.org"]
    assert existing.find("person", emails=["ann.smith@example.com"]) == []


def test_a_secondary_email_matches_too(ctx):
    bob = _make(first_name="Bob", last_name="Jones", emails=["bob@home.example", "bob@work.example"])
    db.session.commit()
    assert _ids(existing.find("person", emails=["nobody@x.example", "bob@work.example"])) == [bob]


def test_name_and_postcode_fold_accents_case_and_spaces(ctx):
    zofia = _make(first_name="Zofia", last_name="Żółć", postcode="LS1 1AA")
    db.session.commit()
    [match] = existing.find("person", first_name="ZOFIA", last_name="zolc", postcodes=["ls11aa"])
    assert (match.contact_id, match.postcode, match.reasons) == (zofia, "LS1 1AA", ["same name at postcode LS1 1AA"])
    # Another postcode, another first name, or no postcode at all: someone else.
    assert existing.find("person", first_name="Zofia", last_name="Zolc", postcodes=["LS2 2BB"]) == []
    assert existing.find("person", first_name="Zuzanna", last_name="Zolc", postcodes=["LS1 1AA"]) == []
    assert existing.find("person", first_name="Zofia", last_name="Zolc") == []


def test_a_middle_name_or_a_longer_first_name(ctx):
    """The lookup reads the sort name ("last first middle") from the start: a
    middle name still matches; Anna is not Ann."""
    ann = _make(first_name="Ann", middle_name="Marie", last_name="Smith", postcode="LS1 1AA")
    _make(first_name="Anna", last_name="Smith", postcode="LS1 1AA")
    _make(first_name="Ann", last_name="Smith-Jones", postcode="LS1 1AA")
    db.session.commit()
    assert _ids(existing.find("person", first_name="Ann", last_name="Smith", postcodes=["LS1 1AA"])) == [ann]


def test_trashed_and_erased_contacts_are_not_there(ctx):
    from modules.contacts.people.privacy import erase

    gone = _make(first_name="Gone", last_name="Away", emails=["gone@example.org"], postcode="YO1 1AA")
    erased = _make(first_name="Era", last_name="Sed", emails=["era@example.org"], postcode="YO1 1AA")
    db.session.flush()
    records.trash([records.load(gone)])
    erase(records.load(erased))
    db.session.commit()
    assert existing.find("person", emails=["gone@example.org"], first_name="Gone", last_name="Away",
                         postcodes=["YO1 1AA"]) == []
    assert existing.find("person", emails=["era@example.org"], first_name="Era", last_name="Sed",
                         postcodes=["YO1 1AA"]) == []


def test_households_and_organisations_match_by_their_name_and_kind(ctx):
    org = _make("organisation", name="Oakfield Sçhool", postcode="M1 2AB")
    house = _make("household", name="The Wood Family", postcode="M1 2AB")
    db.session.commit()
    assert _ids(existing.find("organisation", name="oakfield school", postcodes=["M1 2AB"])) == [org]
    assert _ids(existing.find("household", name="the wood family", postcodes=["m12ab"])) == [house]
    # The same name as another kind of contact is not the same contact.
    assert existing.find("household", name="Oakfield School", postcodes=["M1 2AB"]) == []
    assert existing.find("person", last_name="Oakfield School", postcodes=["M1 2AB"]) == []


def test_one_contact_by_both_ways_is_one_match_and_several_come_oldest_first(ctx):
    first = _make(first_name="Ann", last_name="Lee", emails=["ann@example.org"], postcode="EH1 1AA")
    second = _make(first_name="Ann", last_name="Lee", postcode="EH1 1AA")
    db.session.commit()
    matches = existing.find("person", emails=["ann@example.org"], first_name="Ann", last_name="Lee",
                            postcodes=["EH1 1AA"])
    assert _ids(matches) == [first, second]
    assert matches[0].ways == ("email", "name_postcode") and matches[1].ways == ("name_postcode",)
    assert existing.find("person", emails=["ann@example.org"], first_name="Ann", last_name="Lee",
                         postcodes=["EH1 1AA"], ways=("email",))[0].ways == ("email", )


def test_the_import_asks_the_same_service(ctx):
    """importer/matching: a row is an existing contact exactly when `existing` says so by the rule."""
    ann = _make(first_name="Ann", last_name="Núñez", emails=["ann@example.org"], postcode="LS1 1AA")
    db.session.commit()
    rows = [Row(1, [], values={"first_name": "Ann", "last_name": "Nunez"}, emails=["other@example.org"],
                address={"postcode": "ls1 1aa"}),
            Row(2, [], values={"first_name": "Someone", "last_name": "Else"}, emails=["ANN@example.org"]),
            Row(3, [], values={"first_name": "New", "last_name": "Person"}, emails=["new@example.org"])]
    assert matching.existing(rows, "email") == {1: ann}
    assert matching.existing(rows, "name_postcode") == {0: ann}
    assert matching.existing(rows, "none") == {}
    for index, row in enumerate(rows):
        wanted = matching.wanted(row)
        found = _ids(existing.find(wanted.kind, emails=wanted.emails, first_name=wanted.first_name,
                                   last_name=wanted.last_name, postcodes=wanted.postcodes))
        assert found == ([ann] if index < 2 else [])


def test_lookups_use_the_indexes(ctx):
    """The query plans read the email index, one range of the (postcode, sort
    name) index per name, and primary keys: never the whole table."""
    from sqlalchemy import select

    from modules.contacts.models import Contact, ContactEmail

    dialect = db.engine.dialect.name
    compiled = lambda query: (str(query.compile(db.engine, compile_kwargs={"literal_binds": True})), ())  # noqa: E731
    wanted = {
        "ix_contacts_email_email": compiled(select(ContactEmail.email, ContactEmail.contact_id)
                                            .where(ContactEmail.email.in_(["a@x.org"]))),
        "ix_contacts_contact_postcode_name": existing.places_sql([("LS1 1AA", "smith ann"), ("LS11AA", "smith ann")],
                                                                 dialect),
        "PRIMARY KEY" if dialect == "sqlite" else "pk_contacts_contact": compiled(
            select(Contact.id, Contact.display_name).where(Contact.id.in_([1, 2]))),
    }
    connection = db.session.connection()
    for index, (sql, params) in wanted.items():
        if dialect == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
        else:  # tiny tables: ask whether an index serves it at all
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params))
        if index == "pk_contacts_contact":
            # Any index that reaches the rows by id will do (on tiny tables PostgreSQL may pick
            # another index holding id); what matters is that the table is not scanned.
            assert "Index Cond: (id = ANY" in plan and "Seq Scan" not in plan, plan
        else:
            assert index in plan, plan
        if index == "ix_contacts_contact_postcode_name":
            assert re.search(r"sort_name\S* *[>]", plan), plan  # the name's range, not only the postcode
    db.session.rollback()
