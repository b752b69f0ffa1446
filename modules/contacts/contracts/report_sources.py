"""The contacts report source: people, households and organisations, with
their tags, primary address and custom fields (app/reporting/sources.py).

Tags and custom fields are joins made only when a report uses them: a
contact with three tags is three rows in a report grouped by tag, so count
distinct contacts there. Custom fields are read from the database each time
the source is built, so a new one is reportable at once."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import User
from app.reporting.sources import ContactJoin, Field, Join, Source
from modules.contacts.models import (
    KINDS,
    OPT_IN,
    OPT_OUT,
    OPT_UNKNOWN,
    Contact,
    ContactAddress,
    ContactTag,
    CustomField,
    CustomValue,
    Tag,
)

KIND_CHOICES = [(k, k.title()) for k in KINDS]
OPT_CHOICES = [(OPT_IN, "Opted in"), (OPT_OUT, "Opted out"), (OPT_UNKNOWN, "Not asked")]
CUSTOM_TYPES = {"text": ("text", "value_text"), "long_text": ("text", "value_text"),
                "number": ("number", "value_number"), "date": ("date", "value_date"),
                "yes_no": ("boolean", "value_bool"), "choice": ("choice", "value_text"),
                "multi_choice": ("choice", "value_text")}


def _tag_names():
    return [(name, name) for name in db.session.scalars(select(Tag.name).order_by(Tag.name))]


def _owner_names():
    return [(name, name) for name in db.session.scalars(
        select(User.name).where(User.active.is_(True)).order_by(User.name).limit(500))]


def _custom(cf: CustomField) -> tuple[Field, Join]:
    kind, attr = CUSTOM_TYPES.get(cf.type, ("text", "value_text"))
    value = aliased(CustomValue, name=f"cf_{cf.id}")
    join = Join(f"cf_{cf.id}", value, and_(value.contact_id == Contact.id, value.field_id == cf.id))
    choices = None
    if kind == "choice":
        options = [(str(c), str(c)) for c in cf.choices or ()]
        choices = lambda: options  # noqa: E731
    return Field(f"cf_{cf.key}", cf.label, kind, getattr(value, attr), groupable=True,
                 summable=kind == "number", choices=choices, joins=(join.name,),
                 description="Custom field"), join


def sources() -> list[Source]:
    primary = aliased(ContactAddress, name="primary_address")
    owner = aliased(User, name="contact_owner")
    fields = [
        Field("name", "Name", "text", Contact.display_name),
        Field("kind", "Kind", "choice", Contact.kind, groupable=True, choices=lambda: KIND_CHOICES),
        Field("email", "Email", "text", Contact.email),
        Field("phone", "Phone", "text", Contact.phone),
        Field("city", "City", "text", Contact.city, groupable=True),
        Field("postcode", "Postcode", "text", Contact.postcode, groupable=True),
        Field("region", "Region", "text", primary.region, groupable=True, joins=("address",)),
        Field("country", "Country", "text", Contact.country, groupable=True),
        Field("source", "Source", "text", Contact.source, groupable=True),
        Field("owner", "Owner", "choice", owner.name, groupable=True, choices=_owner_names, joins=("owner",)),
        Field("tag", "Tag", "choice", Tag.name, groupable=True, choices=_tag_names, joins=("tag_link", "tag"),
              description="One row per tag: count distinct contacts"),
        Field("birth_date", "Birth date", "date", Contact.birth_date, groupable=True),
        Field("email_opt_in", "Email opt-in", "choice", Contact.email_opt_in, groupable=True,
              choices=lambda: OPT_CHOICES),
        Field("do_not_email", "Do not email", "boolean", Contact.do_not_email, groupable=True),
        Field("do_not_mail", "Do not mail", "boolean", Contact.do_not_mail, groupable=True),
        Field("created", "Added", "date", Contact.created_at, groupable=True),
        Field("contact_id", "Contact ID", "number", Contact.id, filterable=False),
    ]
    joins = [
        Join("address", primary, and_(primary.contact_id == Contact.id, primary.is_primary.is_(True))),
        Join("owner", owner, owner.id == Contact.owner_id),
        Join("tag_link", ContactTag, ContactTag.contact_id == Contact.id),
        Join("tag", Tag, Tag.id == ContactTag.tag_id),
    ]
    for cf in db.session.scalars(select(CustomField).where(CustomField.active.is_(True))
                                 .order_by(CustomField.position, CustomField.id)):
        custom_field, join = _custom(cf)
        fields.append(custom_field)
        joins.append(join)
    return [Source(
        name="contacts", label="Contacts", permission="contacts.view",
        description="People, households and organisations, with tags, address and custom fields.",
        table=Contact.__table__, key=Contact.id, fields=fields, joins=joins,
        contacts=[ContactJoin("contact", "The contact", Contact.id)],
        where=lambda: [Contact.deleted_at.is_(None)],
    )]
