"""The contacts module's tables: contacts (people, households,
organisations) and what hangs on them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

PERSON, HOUSEHOLD, ORGANISATION = "person", "household", "organisation"
KINDS = (PERSON, HOUSEHOLD, ORGANISATION)
OPT_UNKNOWN, OPT_IN, OPT_OUT = "unknown", "opted_in", "opted_out"


class Contact(db.Model):
    __tablename__ = "contacts_contact"
    __table_args__ = (
        # Keyset pagination and sorting on the list: (sort column, id).
        Index("ix_contacts_contact_live_sort", "deleted_at", "sort_name", "id"),
        Index("ix_contacts_contact_live_created", "deleted_at", "created_at", "id"),
        Index("ix_contacts_contact_live_updated", "deleted_at", "updated_at", "id"),
        Index("ix_contacts_contact_kind_sort", "kind", "sort_name", "id"),
        Index("ix_contacts_contact_owner_sort", "owner_id", "sort_name", "id"),
        Index("ix_contacts_contact_postcode", "postcode"),
        # "Already there?" (people/existing.py): the folded name at a postcode;
        # sort_name in the "C" collation on PostgreSQL (contacts_0008_existing_lookup).
        Index("ix_contacts_contact_postcode_name", "postcode", "sort_name"),
        Index("ix_contacts_contact_city", "city"),
        Index("ix_contacts_contact_country", "country"),
        Index("ix_contacts_contact_email", "email"),
        Index("ix_contacts_contact_household", "household_id"),
        Index("ix_contacts_contact_opt_in", "email_opt_in", "deleted_at"),
        # The "source is" filter, and the contacts-by-source report read from
        # the index alone (contacts_0011_live_source).
        Index("ix_contacts_contact_live_source", "deleted_at", "source", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=PERSON)
    # People: name parts. Households and organisations: `name`.
    prefix: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    suffix: Mapped[str] = mapped_column(String(40), default="")
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    # How letters greet ("Dear <salutation>,") and address this contact when
    # the rules would not do (people/addressing.py); empty: the rules.
    salutation: Mapped[str] = mapped_column(String(100), default="")
    addressee: Mapped[str] = mapped_column(String(200), default="")
    # Derived on save (services.refresh_derived): what lists show and sort by.
    display_name: Mapped[str] = mapped_column(String(300), default="")
    sort_name: Mapped[str] = mapped_column(String(300), default="")
    # The primary email, phone and address, copied here so that lists and
    # filters need no joins.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))

    birth_date: Mapped[date | None] = mapped_column(Date)
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    preferred_language: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"))

    do_not_email: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_mail: Mapped[bool] = mapped_column(Boolean, default=False)
    email_opt_in: Mapped[str] = mapped_column(String(20), default=OPT_UNKNOWN)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User", foreign_keys=[owner_id])
    household: Mapped[Contact | None] = relationship(remote_side=[id], foreign_keys=[household_id],
                                                     )
    emails: Mapped[list[ContactEmail]] = relationship(cascade="all, delete-orphan",
                                                      order_by="ContactEmail.id")
    phones: Mapped[list[ContactPhone]] = relationship(cascade="all, delete-orphan",
                                                      order_by="ContactPhone.id")
    addresses: Mapped[list[ContactAddress]] = relationship(cascade="all, delete-orphan",
                                                           order_by="ContactAddress.id")
    tags: Mapped[list[Tag]] = relationship(secondary="contacts_contact_tag",
                                           order_by="Tag.name")

    @property
    def is_person(self) -> bool:
        return self.kind == PERSON


class ContactEmail(db.Model):
    __tablename__ = "contacts_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactPhone(db.Model):
    __tablename__ = "contacts_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    # E.164 when `phonenumbers` could parse it; what was typed otherwise.
    number: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactAddress(db.Model):
    __tablename__ = "contacts_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")
    line1: Mapped[str] = mapped_column(String(200), default="")
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class Tag(db.Model):
    __tablename__ = "contacts_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    colour: Mapped[str] = mapped_column(String(20), default="blue")


class ContactTag(db.Model):
    __tablename__ = "contacts_contact_tag"
    __table_args__ = (Index("ix_contacts_contact_tag_tag", "tag_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"),
                                            primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("contacts_tag.id", ondelete="CASCADE"), primary_key=True)


class ContactTagDay(db.Model):
    """Live contacts per tag and UTC day of the contact's creation: the
    contacts-by-tag report's rollup, kept by database triggers
    (modules/contacts/lists/tag_days.py, migration contacts_0012_tag_days)."""

    __tablename__ = "contacts_tag_day"

    tag_id: Mapped[int] = mapped_column(ForeignKey("contacts_tag.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)


class RelationshipType(db.Model):
    """A kind of link with a name for each direction ("parent of" / "child of")."""

    __tablename__ = "contacts_relationship_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(40), unique=True)  # built-in types only
    a_to_b: Mapped[str] = mapped_column(String(60))
    b_to_a: Mapped[str] = mapped_column(String(60))


class Relationship(db.Model):
    __tablename__ = "contacts_relationship"
    __table_args__ = (
        UniqueConstraint("type_id", "contact_a_id", "contact_b_id"),
        Index("ix_contacts_relationship_b", "contact_b_id"),
        Index("ix_contacts_relationship_a", "contact_a_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("contacts_relationship_type.id", ondelete="CASCADE"))
    contact_a_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    contact_b_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(200), default="")
    # An organisation's link to the person letters to it are greeted and
    # addressed through (its primary contact); at most one per organisation.
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    type: Mapped[RelationshipType] = relationship(lazy="joined")
    contact_a: Mapped[Contact] = relationship(foreign_keys=[contact_a_id])
    contact_b: Mapped[Contact] = relationship(foreign_keys=[contact_b_id])


class CustomField(db.Model):
    __tablename__ = "contacts_custom_field"

    TYPES = ("text", "long_text", "number", "date", "yes_no", "choice", "multi_choice")

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(20))
    # Which kinds of contact have it: a list drawn from KINDS.
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    choices: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomValue(db.Model):
    """One value of a custom field; a multiple-choice field has a row per choice.
    Typed columns keep filters indexable."""

    __tablename__ = "contacts_custom_value"
    __table_args__ = (
        Index("ix_contacts_custom_value_contact", "contact_id", "field_id"),
        Index("ix_contacts_custom_value_text", "field_id", "value_text"),
        Index("ix_contacts_custom_value_number", "field_id", "value_number"),
        Index("ix_contacts_custom_value_date", "field_id", "value_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("contacts_custom_field.id", ondelete="CASCADE"))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    value_date: Mapped[date | None] = mapped_column(Date)
    value_bool: Mapped[bool | None] = mapped_column(Boolean)


class ConsentEntry(db.Model):
    """Email consent history: what the contact agreed to, when, how, and who recorded it.

    `topic` is None for the contact's general email opt-in; another module's
    consent (a marketing topic) names itself with a string key such as
    "marketing:3", whose label that module gives through
    `ContactHooks.consent_topics` (contacts never imports it). `ip` is the
    address a web sign-up or preference change came from."""

    __tablename__ = "contacts_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(100))
    wording: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    topic: Mapped[str | None] = mapped_column(String(60), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))


class Activity(db.Model):
    """A timeline entry written by people: a note, call, meeting or email;
    and changes recorded by the system."""

    __tablename__ = "contacts_activity"
    __table_args__ = (Index("ix_contacts_activity_timeline", "contact_id", "occurred_at", "id"),)

    KINDS = ("note", "call", "meeting", "email", "change")

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class Task(db.Model):
    __tablename__ = "contacts_task"
    __table_args__ = (
        Index("ix_contacts_task_assignee_open", "assignee_id", "done_at", "due_date"),
        Index("ix_contacts_task_contact", "contact_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact: Mapped[Contact | None] = relationship()
    assignee = relationship("User", foreign_keys=[assignee_id])


class Segment(db.Model):
    """A saved, named filter; evaluated afresh each time it is used."""

    __tablename__ = "contacts_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ImportMapping(db.Model):
    """A saved column mapping, reused for files with the same headers."""

    __tablename__ = "contacts_import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    columns: Mapped[dict] = mapped_column(JSON, default=dict)  # {header: field key}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportFile(db.Model):
    """The uploaded file of an import, in the database so that a worker on
    another host can read it; in its own table because the run's row is saved
    every few thousand rows and SQLite rewrites a whole row on each save.
    `sample` holds the first data rows as the upload read them, for the
    mapping and preview pages, which never read the file itself."""

    __tablename__ = "contacts_import_file"

    import_id: Mapped[int] = mapped_column(ForeignKey("contacts_import.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only by the job
    sample: Mapped[list | None] = mapped_column(JSON)  # [[line, [cells]], ...]; None before it was read


class ImportRun(db.Model):
    """One import, from upload to summary; `data` is its file's bytes (`ImportFile`)."""

    __tablename__ = "contacts_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    file: Mapped[ImportFile] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    data = association_proxy("file", "data", creator=lambda data: ImportFile(data=data))
    sample = association_proxy("file", "sample")
    # reading (big files: the worker reads them), refused, uploaded, mapped, queued, running,
    # finished, failed, undoing, undone
    status: Mapped[str] = mapped_column(String(20), default="uploaded")
    problem: Mapped[str | None] = mapped_column(String(500))  # why a refused file cannot be imported
    encoding: Mapped[str | None] = mapped_column(String(40))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # {header: field key}
    match_rule: Mapped[str] = mapped_column(String(20), default="email")  # email, name_postcode, none
    on_match: Mapped[str] = mapped_column(String(20), default="update")  # update, skip
    on_new: Mapped[str] = mapped_column(String(20), default="create")  # create, skip
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    failures_csv: Mapped[bytes | None] = mapped_column(LargeBinary)  # the rows that failed, and why
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The unknown-values step (importer/unknown_values.py): {"tags"|"custom:<key>": {folded value:
    # "create" | "use:<tag id or choice>"}} as chosen in the preview, and what the run created
    # ({"tags": [ids], "custom:<key>": [choices]}), which undo removes if nothing uses it.
    value_choices: Mapped[dict | None] = mapped_column(JSON, default=dict)
    created_values: Mapped[dict | None] = mapped_column(JSON, default=dict)


class ImportChange(db.Model):
    """What an import did to one contact, so that it can be undone: created
    contacts are removed, updated ones get `before` back."""

    __tablename__ = "contacts_import_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("contacts_import.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"),
                                                   index=True)
    action: Mapped[str] = mapped_column(String(20))  # created, updated
    before: Mapped[dict | None] = mapped_column(JSON)


class DuplicateDismissal(db.Model):
    """A pair a reviewer marked "not a duplicate" (lower id first)."""

    __tablename__ = "contacts_duplicate_dismissal"

    contact_a_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"),
                                              primary_key=True)
    contact_b_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"),
                                              primary_key=True, index=True)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExternalId(db.Model):
    """A contact's id in another system (`system` "stripe", `value`
    "cus_..."): one per system per contact, and each id names one contact."""

    __tablename__ = "contacts_external_id"
    __table_args__ = (UniqueConstraint("system", "value"), UniqueConstraint("contact_id", "system"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))
