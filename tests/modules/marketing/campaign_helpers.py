"""A hand-built audience for the campaign tests: contacts made through the
real contacts service, tagged, and saved segments of those tags."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from modules.contacts.models import ContactTag, RelationshipType, Segment, Tag
from modules.contacts.people import records
from modules.marketing.campaign_models import Campaign, Sender


def person(first, email, *, tags=(), **attrs):
    """A live person (in the caller's app context, flushed)."""
    details = records.Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [])
    contact = records.create("person", {"first_name": first, "last_name": "Test"}, details)
    for name, value in attrs.items():
        setattr(contact, name, value)
    for tag in tags:
        db.session.add(ContactTag(contact_id=contact.id, tag_id=tag_id(tag)))
    db.session.flush()
    return contact


def tag_id(name: str) -> int:
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
        db.session.flush()
    return tag.id


def segment(name: str, tag: str) -> int:
    row = Segment(name=name, filters={"q": "", "f": [f"tag:is:{tag_id(tag)}"], "match": "all"}, shared=True)
    db.session.add(row)
    db.session.flush()
    return row.id


def guardian_type() -> int:
    return db.session.scalar(select(RelationshipType.id).where(RelationshipType.key == "guardian"))


def verified_sender() -> Sender:
    from app.models.base import utcnow

    sender = Sender(name="Riverside", email="news@riverside.example", verified_at=utcnow())
    db.session.add(sender)
    db.session.flush()
    return sender


def campaign(audience: dict, **values) -> Campaign:
    row = Campaign(name=values.pop("name", "Spring news"), subject=values.pop("subject", "Spring news"),
                   body=values.pop("body", "Hello {{ contact.first_name }}"), audience=audience, **values)
    db.session.add(row)
    db.session.flush()
    return row
