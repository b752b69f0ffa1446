"""Demo and benchmark data for `flask seed --contacts N` (the manifest's
`seed` hook).

About 80% people, each with 1–3 emails, 1–2 phones and 1–2 addresses; 10%
households with members (spouses, parents and children sharing an address);
10% organisations employing some of the people. Tags with colours, three
custom fields, a "Created" timeline entry for each contact, notes, calls and
meetings on about a third of them, and tasks on some.

Fast enough for a million contacts: Faker fills pools of names, streets,
towns and companies once, and each contact draws from them with the
module's `random.Random`, so the same `--seed` gives the same data (dates are
offsets from today, so that tasks are due around now). Contacts go in by
chunks of CHUNK: a chunk is built whole in memory first, its rows naming
contacts by their place in the chunk, then written in one go (`write`) as
tuples through `app.bulk_insert`, with the contacts' derived columns from
`records.names` and their search entries through `search.reindex`. Each
chunk commits, so the write lock is held only while a chunk's rows go in,
never while Python makes up names; except that a big seed into a database
without contacts is one transaction that builds the indexes at the end
(BULK_FROM). Emails use reserved example domains and phones the fictional
555-01xx numbers, so no real person is ever written to.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from types import SimpleNamespace

from faker import Faker
from sqlalchemy import select, text

from app import audit, bulk_insert
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.seed import create_indexes, drop_indexes, plain_indexes
from modules.contacts.lists import search
from modules.contacts.models import (
    HOUSEHOLD,
    OPT_IN,
    OPT_OUT,
    OPT_UNKNOWN,
    ORGANISATION,
    PERSON,
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
    Tag,
    Task,
)
from modules.contacts.people import records

CHUNK = 5000
# A seed of this many contacts into a database that has none is written as one
# transaction, and the plain indexes of the tables it fills are dropped first
# and built again at the end, each in one sorted pass. Inserting into a large
# index at random places rewrites most of its pages at every commit, so with
# the indexes in place the work grew faster than the data: a million contacts
# wrote some 50 GB for a 1.5 GB database. Atomic too: a seed that fails or is
# stopped leaves the database as it was, indexes included. Smaller seeds, and
# seeds into a database in use (--append), commit chunk by chunk.
BULK_FROM = 20_000
SOURCE = "Demo data"
TAGS = (("Donor", "green"), ("Volunteer", "teal"), ("Newsletter", "blue"), ("Board", "purple"),
        ("Major donor", "orange"), ("Alumni", "brown"), ("Event attendee", "pink"), ("Lapsed", "grey"))
# (key, label, type, kinds, choices)
FIELDS = (("member_since", "Member since", "date", [PERSON], []),
          ("tshirt_size", "T-shirt size", "choice", [PERSON], ["XS", "S", "M", "L", "XL", "XXL"]),
          ("staff_count", "Staff", "number", [ORGANISATION], []))
PERSONAL_DOMAINS = ("example.org", "example.com", "example.net")
NOTE_SUBJECTS = {
    "note": ("Prefers email to phone", "Interested in volunteering", "Asked about gift aid",
             "Moved recently", "Met at the spring fair", "Follow up after the newsletter"),
    "call": ("Thank-you call", "Called about the annual appeal", "Returned a voicemail",
             "Checked contact details", "Invited to the open day"),
    "meeting": ("Coffee at the office", "Site visit", "Board lunch", "Planning meeting"),
}
TASK_TITLES = ("Send a thank-you letter", "Call back about the appeal", "Update the address",
               "Invite to the gala", "Ask about volunteering", "Renew membership", "Send the annual report")
SOURCES = ("Website", "Event", "Referral", "Newsletter sign-up", "Walk-in", "")
ADDRESS = ("line1", "line2", "city", "region", "postcode", "country")
# The columns each table is written with, in the order of the chunk's tuples;
# the first (both, for relationships) is a contact's place in its chunk until `write`.
CONTACT_COLUMNS = ("kind", "prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "name",
                   "birth_date", "pronouns", "preferred_language", "notes", "source", "owner_id", "household_id",
                   "do_not_email", "do_not_phone", "do_not_mail", "email_opt_in", "created_at", "updated_at",
                   "created_by_id", "deleted_at", "display_name", "sort_name", "email", "phone", "city",
                   "postcode", "country")
DETAIL_COLUMNS = {
    ContactEmail: ("contact_id", "email", "label", "is_primary"),
    ContactPhone: ("contact_id", "number", "label", "is_primary"),
    ContactAddress: ("contact_id", "is_primary", "label", *ADDRESS),
    ContactTag: ("contact_id", "tag_id"),
    CustomValue: ("contact_id", "field_id", "value_text", "value_number", "value_date", "value_bool"),
    ConsentEntry: ("contact_id", "status", "source", "wording", "at", "user_id"),
    Activity: ("contact_id", "kind", "subject", "body", "occurred_at", "created_at", "user_id"),
    Task: ("contact_id", "title", "notes", "due_date", "assignee_id", "created_by_id", "created_at", "done_at"),
}
RELATION_COLUMNS = ("contact_a_id", "contact_b_id", "type_id", "note", "created_at", "is_primary")


class Pools:
    """What Faker is slow to make, made once: contacts draw from these."""

    def __init__(self, fake: Faker, rng: random.Random):
        self.first = sorted({fake.first_name() for _ in range(1500)})
        self.last = sorted({fake.last_name() for _ in range(2500)})
        self.streets = [fake.street_address() for _ in range(4000)]
        self.line2 = [fake.secondary_address() for _ in range(200)]
        self.towns = [(fake.city(), fake.state_abbr(), fake.postcode()) for _ in range(1200)]
        self.companies = sorted({fake.company() for _ in range(3000)})
        self.sentences = [fake.paragraph(nb_sentences=rng.randint(1, 3)) for _ in range(400)]
        self.prefixes = ("Dr", "Mr", "Ms", "Mrs", "Prof")

    def address(self, rng: random.Random, label: str) -> dict:
        city, region, postcode = rng.choice(self.towns)
        return {"label": label, "line1": rng.choice(self.streets),
                "line2": rng.choice(self.line2) if rng.random() < 0.15 else "",
                "city": city, "region": region, "postcode": postcode, "country": "US"}


def _slug(name: str) -> str:
    return "-".join(search.fold(name).split())[:40] or "org"


def _phone(rng: random.Random) -> str:
    """A fictional North American number (555-0100 to 555-0199), in E.164."""
    area = rng.choice("23456789") + str(rng.randint(0, 8)) + str(rng.randint(0, 9))
    return f"+1{area}55501{rng.randint(0, 99):02d}"


def _derive(row: dict, emails: list, phones: list, addresses: list[dict]):
    """Copy the primary (first) email, phone and address onto the contact's
    row, as records.refresh_derived does; returns the details."""
    address = addresses[0] if addresses else None
    row["email"] = emails[0][0] if emails else None
    row["phone"] = phones[0][0] if phones else None
    row["city"] = (address["city"] or None) if address else None
    row["postcode"] = (address["postcode"].upper() or None) if address else None
    row["country"] = (address["country"].upper() or None) if address else None
    return emails, phones, addresses


def _tags() -> list[int]:
    have = {t.name: t.id for t in db.session.scalars(select(Tag))}
    for name, colour in TAGS:
        if name not in have:
            tag = Tag(name=name, colour=colour)
            db.session.add(tag)
            db.session.flush()
            have[name] = tag.id
    return [have[name] for name, _ in TAGS]


def _fields() -> dict[str, CustomField]:
    have = {f.key: f for f in db.session.scalars(select(CustomField))}
    position = max((f.position for f in have.values()), default=0)
    for key, label, kind, kinds, choices in FIELDS:
        if key not in have:
            position += 1
            have[key] = CustomField(key=key, label=label, type=kind, kinds=kinds, choices=choices,
                                    position=position, active=True)
            db.session.add(have[key])
    db.session.flush()
    return {key: have[key] for key, *_ in FIELDS}


class Chunk:
    """The rows of one chunk of contacts, built in memory and written together.
    Contacts are named by their place in the chunk (groups first, then
    people) until `Seeder.write` knows their ids."""

    def __init__(self, seeder: Seeder):
        self.s = seeder
        self.groups: list[dict] = []  # organisations and households
        self.people: list[dict] = []
        self.rows: dict[type, list[tuple]] = {model: [] for model in DETAIL_COLUMNS}
        self.relations: list[tuple] = []
        self.docs: list[tuple[int, str]] = []

    def contact_row(self, kind: str, created: datetime, **values) -> tuple[dict, SimpleNamespace]:
        rng = self.s.rng
        row = {"kind": kind, "prefix": "", "first_name": "", "middle_name": "", "last_name": "", "suffix": "",
               "preferred_name": "", "name": "", "birth_date": None, "pronouns": "", "preferred_language": "",
               "notes": "", "source": rng.choice(SOURCES), "owner_id": None, "household_id": None,
               "do_not_email": rng.random() < 0.03, "do_not_phone": rng.random() < 0.03,
               "do_not_mail": rng.random() < 0.02,
               "email_opt_in": rng.choices((OPT_UNKNOWN, OPT_IN, OPT_OUT), (6, 3, 1))[0],
               "created_at": created, "updated_at": created, "created_by_id": None, "deleted_at": None}
        row.update(values)
        shape = SimpleNamespace(**row)
        row["display_name"], row["sort_name"] = records.names(shape)
        shape.display_name = row["display_name"]
        return row, shape

    def details(self, contact: int, row: dict, shape, emails: list[tuple[str, str]],
                phones: list[tuple[str, str]], addresses: list[dict]) -> None:
        """Emails, phones and addresses of a new contact, its search entry, timeline, tags and tasks."""
        rows = self.rows
        rows[ContactEmail] += [(contact, e, label, i == 0) for i, (e, label) in enumerate(emails)]
        rows[ContactPhone] += [(contact, n, label, i == 0) for i, (n, label) in enumerate(phones)]
        rows[ContactAddress] += [(contact, i == 0, a["label"], *(a[k] for k in ADDRESS))
                                 for i, a in enumerate(addresses)]
        # Phones are searchable by their E.164 digits and by the national number.
        digits = [d for n, _ in phones for d in (n[1:], n[2:], search.backwards(n[1:]))]
        self.docs.append((contact, search.document(shape, [SimpleNamespace(email=e) for e, _ in emails], (),
                                                   extra=digits)))
        rng, created = self.s.rng, row["created_at"]
        rows[Activity].append((contact, "change", f"Created {row['kind']}", "", created, created, None))
        if row["email_opt_in"] != OPT_UNKNOWN:
            rows[ConsentEntry].append((contact, row["email_opt_in"], SOURCE, "", created, None))
        for tag_id in rng.sample(self.s.tag_ids, rng.choices((0, 1, 2), (5, 3, 2))[0]):
            rows[ContactTag].append((contact, tag_id))
        if rng.random() < 0.35:
            self.timeline(contact, created)
        if rng.random() < 0.08:
            self.task(contact, created)

    def timeline(self, contact: int, created: datetime) -> None:
        rng, age = self.s.rng, max(1, int((self.s.now - created).total_seconds()))
        for _ in range(rng.randint(1, 3)):
            kind = rng.choices(("note", "call", "meeting"), (5, 3, 1))[0]
            at = created + timedelta(seconds=rng.randrange(age))
            self.rows[Activity].append((contact, kind, rng.choice(NOTE_SUBJECTS[kind]),
                                        rng.choice(self.s.pools.sentences), at, at, None))

    def task(self, contact: int, created: datetime) -> None:
        rng, s, tasks = self.s.rng, self.s, self.rows[Task]
        due = s.today + timedelta(days=rng.randint(-30, 45))
        done = s.now - timedelta(days=rng.randint(0, 30)) if due < s.today and rng.random() < 0.6 else None
        assignee = s.users[len(tasks) % len(s.users)] if s.users else None
        tasks.append((contact, rng.choice(TASK_TITLES), "", due, assignee, None, created, done))

    def value(self, contact: int, field: CustomField, value) -> None:
        self.rows[CustomValue].append((contact, field.id, value if field.type == "choice" else None,
                                       value if field.type == "number" else None,
                                       value if field.type == "date" else None, None))

    def relate(self, key: str, a: int, b: int, primary: bool = False) -> None:
        if key not in self.s.types:  # a built-in type someone deleted
            return
        self.relations.append((a, b, self.s.types[key], "", self.s.now, primary))


class Seeder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        fake = Faker("en_US")
        fake.seed_instance(rng.getrandbits(64))
        self.pools = Pools(fake, rng)
        self.tag_ids = _tags()
        self.fields = _fields()
        self.types = {t.key: t.id for t in db.session.scalars(select(RelationshipType))
                      if t.key in ("spouse", "parent", "employer")}
        self.users = list(db.session.scalars(select(User.id).order_by(User.id)))
        self.now = utcnow()
        self.today = self.now.date()
        self.serial = 0
        self.plain: dict[str, str] = {}  # name -> its folded form without spaces, for emails

    def created_at(self) -> datetime:
        return self.now - timedelta(seconds=self.rng.randrange(3 * 365 * 86400))

    def birth_date(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low * 365, high * 365))

    def email(self, first: str, last: str, domain: str | None = None) -> str:
        self.serial += 1
        local = f"{self.plain_name(first)}.{self.plain_name(last)}"
        if domain is None:
            domain = self.rng.choice(PERSONAL_DOMAINS)
            local += str(self.serial)  # personal addresses stay unique
        return f"{local}@{domain}"

    def plain_name(self, name: str) -> str:
        """search.fold(name) without spaces, once per name (names come from the pools)."""
        plain = self.plain.get(name)
        if plain is None:
            plain = self.plain[name] = search.fold(name).replace(" ", "")
        return plain

    def chunk(self, size: int) -> Chunk:
        """Make up `size` contacts and everything on them (nothing is written yet)."""
        rng, pools = self.rng, self.pools
        orgs = size // 10
        households = size // 10
        people = size - orgs - households
        out = Chunk(self)

        # Organisations and households first: people point at them.
        group_shapes, group_details, org_domains, house_plans = [], [], [], []
        for _ in range(orgs):
            name = rng.choice(pools.companies)
            row, shape = out.contact_row(ORGANISATION, self.created_at(), name=name)
            domain = f"{_slug(name)}.example"
            group_details.append(_derive(row, [(f"info@{domain}", "work")], [(_phone(rng), "work")],
                                         [pools.address(rng, "work")]))
            out.groups.append(row)
            group_shapes.append(shape)
            org_domains.append(domain)
        remaining = people
        for _ in range(households):
            members = min(remaining, rng.choices((1, 2, 3, 4, 5), (1, 4, 2, 2, 1))[0])
            remaining -= members
            last = rng.choice(pools.last)
            row, shape = out.contact_row(HOUSEHOLD, self.created_at(), name=f"The {last} Family")
            address = pools.address(rng, "home")
            group_details.append(_derive(row, [], [(_phone(rng), "home")], [address]))
            out.groups.append(row)
            group_shapes.append(shape)
            house_plans.append((last, members, address))
        org_ids, house_ids = range(orgs), range(orgs, orgs + households)  # places in the chunk

        for i in org_ids:
            out.details(i, out.groups[i], group_shapes[i], *group_details[i])
            if rng.random() < 0.6:
                out.value(i, self.fields["staff_count"], Decimal(rng.choice((2, 5, 12, 40, 150, 900))))
        for i in house_ids:
            out.details(i, out.groups[i], group_shapes[i], *group_details[i])

        # People: household members first (sharing their household's name and address), then the rest.
        shapes, plans = [], []
        for j, house in enumerate(house_ids):
            last, members, address = house_plans[j]
            for m in range(members):
                row, shape = self.person(out, last, house, child=m >= 2)
                out.people.append(row)
                shapes.append(shape)
                plans.append(self.person_details(row, m, address, org_domains))
        while len(out.people) < people:
            row, shape = self.person(out, rng.choice(pools.last), None, child=False)
            out.people.append(row)
            shapes.append(shape)
            plans.append(self.person_details(row, None, None, org_domains))

        by_house: dict[int, list[int]] = {}
        addressed: set[int] = set()  # organisations given their primary contact (their first employee)
        for person, row, shape, (member, employer, details) in zip(
                range(len(out.groups), len(out.groups) + len(out.people)), out.people, shapes, plans, strict=True):
            out.details(person, row, shape, *details)
            if employer is not None:
                org = org_ids[employer]
                out.relate("employer", org, person, primary=org not in addressed)
                addressed.add(org)
            if row["household_id"] is not None:
                by_house.setdefault(row["household_id"], []).append(person)
            if member is None or member < 2:
                if rng.random() < 0.4:
                    out.value(person, self.fields["member_since"],
                              self.today - timedelta(days=rng.randint(30, 20 * 365)))
                if rng.random() < 0.3:
                    out.value(person, self.fields["tshirt_size"], rng.choice(self.fields["tshirt_size"].choices))

        for members in by_house.values():
            if len(members) >= 2:
                out.relate("spouse", members[0], members[1])
            for child in members[2:]:
                out.relate("parent", members[0], child)
                out.relate("parent", members[1], child)
        return out

    def person_details(self, row: dict, member: int | None, address: dict | None, org_domains: list[str]):
        """(household member number, employer index, (emails, phones, addresses)) of a new person."""
        rng, pools = self.rng, self.pools
        first, last = row["first_name"], row["last_name"]
        employer = None
        if org_domains and (member is None or member < 2) and rng.random() < 0.3:
            employer = rng.randrange(len(org_domains))
        emails = [(self.email(first, last), "personal")]
        if employer is not None:
            emails.append((self.email(first, last, org_domains[employer]), "work"))
        if rng.random() < 0.3:
            emails.append((self.email(first[:1], last), "other"))
        phones = [(_phone(rng), "mobile")] + ([(_phone(rng), "home")] if rng.random() < 0.4 else [])
        home = dict(address) if address else pools.address(rng, "home")
        addresses = [home] + ([pools.address(rng, "work")] if rng.random() < 0.25 else [])
        return member, employer, _derive(row, emails, phones, addresses)

    def person(self, out: Chunk, last: str, household_id: int | None, *, child: bool):
        rng, pools = self.rng, self.pools
        first = rng.choice(pools.first)
        values = {"first_name": first, "last_name": last, "household_id": household_id,
                  "middle_name": rng.choice(pools.first) if rng.random() < 0.2 else "",
                  "prefix": rng.choice(pools.prefixes) if not child and rng.random() < 0.1 else "",
                  "birth_date": (self.birth_date(4, 17) if child else self.birth_date(18, 90))
                  if rng.random() < 0.7 else None}
        return out.contact_row(PERSON, self.created_at(), **values)

    @staticmethod
    def write(out: Chunk) -> None:
        """Insert a chunk: its contacts first (households before the people in
        them), whose new ids then replace the places in every other row."""
        contacts, as_tuple = Contact.__table__, itemgetter(*CONTACT_COLUMNS)
        ids = bulk_insert.insert_returning_ids(contacts, CONTACT_COLUMNS, [as_tuple(r) for r in out.groups])
        for row in out.people:
            if row["household_id"] is not None:
                row["household_id"] = ids[row["household_id"]]
        ids += bulk_insert.insert_returning_ids(contacts, CONTACT_COLUMNS, [as_tuple(r) for r in out.people])
        for model, columns in DETAIL_COLUMNS.items():
            bulk_insert.insert_rows(model.__table__, columns, [(ids[r[0]], *r[1:]) for r in out.rows[model]])
        bulk_insert.insert_rows(Relationship.__table__, RELATION_COLUMNS,
                                [(ids[a], ids[b], *rest) for a, b, *rest in out.relations])
        search.reindex([(ids[i], doc) for i, doc in out.docs])


# The tables the seed fills: a bulk seed drops their plain indexes first.
BULK_TABLES = tuple(model.__table__.name for model in (Contact, Relationship, *DETAIL_COLUMNS))


def seed(n: int, rng: random.Random, progress) -> None:
    """Add `n` contacts. Into a database without contacts, BULK_FROM or more go
    in as one transaction that drops the tables' plain indexes first and builds
    them again at the end (see BULK_FROM); otherwise each chunk commits."""
    seeder = Seeder(rng)
    bulk = n >= BULK_FROM and db.session.scalar(select(Contact.id).limit(1)) is None
    try:
        indexes = plain_indexes(BULK_TABLES) if bulk else []
        drop_indexes(indexes)
        done = 0
        while done < n:
            size = min(CHUNK, n - done)
            seeder.write(seeder.chunk(size))
            done += size
            if not bulk:
                db.session.commit()
            progress(done, n, "contacts")
        create_indexes(indexes)
        if indexes:
            progress(n, n, f"contacts, {len(indexes)} indexes built")
        audit.record(audit.CREATE, object_type="contacts_contact",
                     summary=f"Added {n:,} demo contacts ({SOURCE.lower()}, flask seed)")
        db.session.commit()
    except BaseException:
        db.session.rollback()  # a bulk seed leaves nothing behind, its indexes included
        raise
    if bulk and db.session.get_bind().dialect.name == "sqlite":
        # The one big transaction went through the WAL file: copy it into the
        # database and give the disk back (a no-op if a reader is in the way).
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
