"""Who is already there: the live contacts that a contact someone is about
to create would duplicate. One rule for every way in, so they cannot
disagree: the new-contact form (its "already in your contacts?" warning),
the contact import (its match rules, and the preview's "looks like an
existing contact" notice), the gift import's donor matching, and the API,
which calls `find` with what was posted.

A live contact (not in the trash; an erased contact is in the trash and
keeps no name, postcode or address) is already there when it

- has one of the emails: any of its emails, case ignored; or
- is of the same kind and has the same name at the same postcode: a
  person's first and last name, a household's or organisation's name,
  folded as the search folds them (`lists.search.fold`: case, accents and
  letter variants such as ł, ø, ß ignored), at its primary address's
  postcode, compared upper-case without spaces (`contacts_contact.postcode`,
  the one the list, the filters and the duplicates finder use).

Costs, for any number of wanted contacts at once (the import asks per
chunk of 1,000 rows): one query by the `contacts_email.email` index, one
that reads a short range of `ix_contacts_contact_postcode_name` (postcode,
sort name) per wanted postcode and name, then the contacts the emails
belong to by primary key. At 1,000,000 contacts in 1,200 towns (as the
benchmark seeds them; SQLite): a form's lookup takes about a millisecond, a
chunk of 1,000 imported rows about 80 ms (it was 4 s with the postcode
index alone, which returned every contact at those postcodes). "Live" is
checked here, not in SQL: given long IN lists and `deleted_at IS NULL`,
SQLite's planner walks every live contact through a `deleted_at` index
instead (see importer/matching.py). Every way in stores
emails lower-cased (`records.apply`, the import's reader), so looking up
the lower-cased address is a case-insensitive match by the index.
Names are compared exactly in Python among the few contacts the ranges
return.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from modules.contacts.lists.search import fold
from modules.contacts.models import PERSON, Contact, ContactEmail

EMAIL, NAME_POSTCODE = "email", "name_postcode"
WAYS = (EMAIL, NAME_POSTCODE)
LIMIT = 10  # matches `find` returns for one contact
PLACES_PER_QUERY = 3000  # (postcode, name) ranges per lookup: three parameters each


@dataclass(frozen=True)
class Wanted:
    """What someone is about to create, as plain values (no form, no request)."""

    kind: str = PERSON
    emails: tuple[str, ...] = ()
    first_name: str = ""
    last_name: str = ""
    name: str = ""  # a household's or organisation's
    postcodes: tuple[str, ...] = ()

    @property
    def name_key(self) -> str:
        return name_key(self.kind, self.first_name, self.last_name, self.name)

    def email_keys(self) -> list[str]:
        return list(dict.fromkeys(e.strip().lower() for e in self.emails if e and e.strip()))

    def typed_emails(self) -> set[str]:
        """The emails as given too: an address stored before every way in lower-cased it."""
        return {e.strip() for e in self.emails if e and e.strip()}

    @property
    def sort_prefix(self) -> str:
        """How the sort name of a contact with this name starts (`records.names`:
        a person's is "last first middle", folded; a group's its folded name)."""
        if self.kind == PERSON:
            return " ".join(p for p in (fold(self.last_name or ""), fold(self.first_name or "")) if p)
        return fold(self.name or "")

    def place_keys(self) -> list[str]:
        """"<name key>@<postcode>" for each postcode (none without a name)."""
        key = self.name_key
        if not key:
            return []
        return list(dict.fromkeys(f"{key}@{p}" for p in map(postcode_key, self.postcodes) if p))


@dataclass
class Match:
    """An existing contact and why it matches."""

    contact_id: int
    display_name: str
    kind: str
    emails: list[str] = field(default_factory=list)  # the wanted emails it has
    postcode: str = ""  # its postcode, when its name matches there

    @property
    def ways(self) -> tuple[str, ...]:
        return tuple(w for w, hit in ((EMAIL, self.emails), (NAME_POSTCODE, self.postcode)) if hit)

    @property
    def reasons(self) -> list[str]:
        """Why, in words: "same email ann@example.org", "same name at postcode LS1 1AA"."""
        out = [f"same email {e}" for e in self.emails]
        if self.postcode:
            out.append(f"same name at postcode {self.postcode}")
        return out


def postcode_key(value: str | None) -> str:
    return "".join((value or "").upper().split())


def name_key(kind: str, first: str | None, last: str | None, name: str | None) -> str:
    """The folded name that must be equal: "" when there is no name to compare."""
    if kind == PERSON:
        first, last = fold(first or ""), fold(last or "")
        return f"{kind}|{first}|{last}" if first or last else ""
    folded = fold(name or "")
    return f"{kind}|{folded}" if folded else ""


def _postcode_variants(value: str) -> set[str]:
    """Ways the postcode may have been stored (upper-cased, as typed): as
    given, without spaces, and with the space before the last three or four
    characters (LS1 1AA, K1A 0B1, D02 X285)."""
    raw, squeezed = " ".join(value.upper().split()), postcode_key(value)
    out = {raw, squeezed}
    for tail in (3, 4):
        if len(squeezed) > tail + 1:
            out.add(f"{squeezed[:-tail]} {squeezed[-tail:]}")
    return out


def find(kind: str, *, emails: Iterable[str] = (), first_name: str = "", last_name: str = "", name: str = "",
         postcodes: Iterable[str] = (), ways: Sequence[str] = WAYS, limit: int = LIMIT) -> list[Match]:
    """The live contacts a new contact with these values would duplicate,
    oldest first. A pure lookup with no request or form behind it: the form
    calls it before saving, and the API will call it with what was posted."""
    wanted = Wanted(kind, tuple(emails), first_name or "", last_name or "", name or "", tuple(postcodes))
    return find_many([wanted], ways)[0][:limit]


def find_for(kind: str, values: dict, details) -> list[Match]:
    """`find` with what `records.create` takes (`values`, a `records.Details`)."""
    details_emails = [row.get("email", "") for row in (details.emails if details else [])]
    postcodes = [row.get("postcode", "") for row in (details.addresses if details else [])]
    return find(kind, emails=details_emails, first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""), name=values.get("name", ""), postcodes=postcodes)


def find_many(wanted: Sequence[Wanted], ways: Sequence[str] = WAYS) -> list[list[Match]]:
    """For each of `wanted`, the live contacts it matches, oldest first (a
    bounded number of queries whatever the length of `wanted`)."""
    email_keys = [w.email_keys() if EMAIL in ways else [] for w in wanted]
    place_keys = [w.place_keys() if NAME_POSTCODE in ways else [] for w in wanted]
    contacts: dict[int, tuple[str, str]] = {}  # live contact id -> (display name, kind)
    by_email: dict[str, set[int]] = {}
    by_place: dict[str, tuple[set[int], str]] = {}  # key -> (contact ids, postcode as stored)

    emails = {e for keys in email_keys for e in keys}
    emails |= {e for w, keys in zip(wanted, email_keys, strict=True) if keys for e in w.typed_emails()}
    if emails:
        for email, contact_id in db.session.execute(
                select(ContactEmail.email, ContactEmail.contact_id).where(ContactEmail.email.in_(emails))):
            by_email.setdefault(email.lower(), set()).add(contact_id)
    places = {(v, w.sort_prefix) for w, keys in zip(wanted, place_keys, strict=True) if keys
              for p in w.postcodes if p for v in _postcode_variants(p)}
    if places:
        wanted_places = {k for keys in place_keys for k in keys}
        for cid, kind, first, last, name, display, postcode, deleted in _at_postcodes(places):
            if deleted is not None:
                continue
            key = f"{name_key(kind, first, last, name)}@{postcode_key(postcode)}"
            if key in wanted_places:
                by_place.setdefault(key, (set(), postcode))[0].add(cid)
                contacts[cid] = (display, kind)
    unknown = {cid for ids in by_email.values() for cid in ids} - set(contacts)
    if unknown:
        for cid, display, kind, deleted in db.session.execute(
                select(Contact.id, Contact.display_name, Contact.kind, Contact.deleted_at)
                .where(Contact.id.in_(unknown))):
            if deleted is None:
                contacts[cid] = (display, kind)

    out = []
    for emails_of, places_of in zip(email_keys, place_keys, strict=True):
        found: dict[int, Match] = {}
        for email in emails_of:
            for cid in by_email.get(email, ()) & contacts.keys():
                _match(found, cid, contacts).emails.append(email)
        for key in places_of:
            ids, postcode = by_place.get(key, (set(), ""))
            for cid in ids:
                _match(found, cid, contacts).postcode = postcode
        out.append(sorted(found.values(), key=lambda m: m.contact_id))
    return out


def _at_postcodes(places: set[tuple[str, str]]):
    """Contacts at each postcode whose sort name starts with the name (`places_sql`)."""
    ordered = sorted(places)
    connection = db.session.connection()
    for start in range(0, len(ordered), PLACES_PER_QUERY):
        batch = ordered[start:start + PLACES_PER_QUERY]
        sql, params = places_sql(batch, connection.dialect.name)
        yield from connection.exec_driver_sql(sql, params)


def places_sql(places: Sequence[tuple[str, str]], dialect: str) -> tuple[str, tuple]:
    """The statement for the contacts at each (postcode, sort name start):
    one range of ix_contacts_contact_postcode_name each, [name, name + "!"),
    which holds the name alone and the name followed by a space (then a
    middle name), since a folded name has only letters, digits and spaces.
    Names are then compared exactly, in Python. Written for the driver, as
    SQLAlchemy took 0.7 s to compile a VALUES list of 3,000 rows each time."""
    mark = "?" if dialect == "sqlite" else "%s"
    # PostgreSQL: byte order, as the index holds it (contacts_0008_existing_lookup).
    sort = 'c.sort_name COLLATE "C"' if dialect == "postgresql" else "c.sort_name"
    rows = ", ".join([f"({mark}, {mark}, {mark})"] * len(places))
    sql = (f"WITH wanted (postcode, low, high) AS (VALUES {rows}) "  # noqa: S608 (placeholders only)
           "SELECT c.id, c.kind, c.first_name, c.last_name, c.name, c.display_name, c.postcode, c.deleted_at "
           "FROM wanted JOIN contacts_contact c ON c.postcode = wanted.postcode "
           f"AND {sort} >= wanted.low AND {sort} < wanted.high")
    return sql, tuple(v for postcode, name in places for v in (postcode, name, name + "!"))


def _match(found: dict[int, Match], cid: int, contacts: dict[int, tuple[str, str]]) -> Match:
    if cid not in found:
        found[cid] = Match(cid, *contacts[cid])
    return found[cid]
