"""Search finds people as they are typed and written (issue 16, part 3):
every Latin letter variant folds to its plain letters, and a phone is found
by its last digits in any formatting, in the list, the global search and
for contacts indexed before this change (migration contacts_0005)."""

from __future__ import annotations

import importlib.util
import pathlib
import unicodedata

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text

from app.extensions import db
from modules.contacts.lists import search
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import login

MIGRATION = pathlib.Path(search.__file__).parent.parent / "migrations" / "contacts_0005_search_folding.py"


def find(query: str) -> list[str]:
    rows = db.session.scalars(db.select(Contact).where(Contact.id.in_(search.matching_ids(query)))
                              .order_by(Contact.sort_name))
    return [c.display_name for c in rows]


def _people():
    def phone(number):
        return Details(phones=[{"number": number, "label": "", "is_primary": True}])

    records.create("person", {"first_name": "Zofia", "last_name": "Żółć"}, phone("+15245550140"))
    records.create("person", {"first_name": "Łukasz", "last_name": "Ødegård"}, phone("+353871234567"))
    records.create("person", {"first_name": "Þóra", "last_name": "Straße"})
    records.create("person", {"first_name": "Ægir", "last_name": "Đoković"})
    records.create("organisation", {"name": "Œuvre Sœurs"})
    db.session.commit()


def test_letter_variants_fold_to_plain_letters(app, ctx):
    _people()
    assert find("zolc") == ["Zofia Żółć"]
    assert find("Żółć") == ["Zofia Żółć"]
    assert find("lukasz odegard") == ["Łukasz Ødegård"]
    assert find("ØDEGÅRD") == ["Łukasz Ødegård"]
    assert find("thora strasse") == ["Þóra Straße"]
    assert find("aegir dokovic") == ["Ægir Đoković"]
    assert find("soeurs") == ["Œuvre Sœurs"]
    # The sort name folds the same way, so Ł sorts with L, not after Z.
    assert db.session.scalar(db.select(Contact.sort_name).where(Contact.last_name == "Ødegård")) == \
        "odegard lukasz"


def test_fold_leaves_no_latin_letter_unfolded():
    """Every letter of Latin-1, Latin Extended-A and -B folds to plain letters."""
    latin = [chr(c) for c in range(0xC0, 0x250) if chr(c).isalpha() and "LATIN" in unicodedata.name(chr(c), "")]
    assert len(latin) > 390
    assert [ch for ch in latin if not search.fold(ch).isascii()] == []
    # Only the glottal stop and the reversed ezh, which have no plain spelling, fold to nothing.
    assert [ch for ch in latin if not search.fold(ch)] == ["Ƹ", "ƹ", "Ɂ", "ɂ"]
    assert [search.fold(ch) for ch in "łøđßæœþ"] == ["l", "o", "d", "ss", "ae", "oe", "th"]
    assert search.fold("Иван Петров") == "ivan petrov"  # other scripts romanised, on both sides


def test_a_phone_is_found_by_its_last_digits_in_any_formatting(app, ctx):
    _people()
    for query in ("0140", "555-0140", "555 0140", "(524) 555-0140", "5245550140", "+1 524 555 0140", "1524"):
        assert find(query) == ["Zofia Żółć"], query
    assert find("087 123 4567") == ["Łukasz Ødegård"]
    assert find("4567") == ["Łukasz Ødegård"]
    assert find("9999") == []
    assert find("014") == []  # three digits are too few to search a phone's end


def test_the_contacts_list_and_global_search_find_them(app, admin, client):
    with app.app_context():
        _people()
    login(client)
    listing = client.get("/contacts/?q=555-0140").get_data(as_text=True)
    assert "Zofia Żółć" in listing and "Ødegård" not in listing
    found = client.get("/search?q=zolc").get_data(as_text=True)
    assert "Zofia Żółć" in found and "Ødegård" not in found


def test_the_migration_refolds_what_was_indexed_before(app, ctx):
    """A contact indexed by the old folding (ł kept, no backwards digits) is
    found by "lukasz" and by its last digits after the upgrade."""
    _people()
    key = "contact_id" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    contact = db.session.scalar(db.select(Contact).where(Contact.last_name == "Ødegård"))
    db.session.execute(text(f"UPDATE contacts_fts SET document = :doc WHERE {key} = :id"),  # noqa: S608
                       {"doc": "łukasz ødegard łukasz ødegard 353871234567 0871234567", "id": contact.id})
    contact.sort_name = "ødegard łukasz"
    db.session.commit()
    assert find("lukasz") == [] and find("4567") == []

    spec = importlib.util.spec_from_file_location("contacts_0005", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    db.session.expire_all()

    assert find("lukasz") == ["Łukasz Ødegård"]
    assert find("555-0140") == ["Zofia Żółć"] and find("4567") == ["Łukasz Ødegård"]
    assert db.session.get(Contact, contact.id).sort_name == "odegard lukasz"
