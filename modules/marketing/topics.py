"""Subscription topics: lookups shared by the admin pages, the public pages,
the contact page and the filter builder."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models.base import utcnow
from modules.marketing.models import Topic, topic_key

KEY_PREFIX = "marketing:"


def slugify(name: str) -> str:
    """'Year 7 families' -> 'year-7-families' (ASCII, for the sign-up address)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "topic"


def unique_slug(name: str, topic: Topic | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.execute(select(Topic.id).where(Topic.slug == slug, Topic.id != getattr(topic, "id", None))
                             .limit(1)).first() is not None:
        slug, n = f"{base[:75]}-{n}", n + 1
    return slug


def name_taken(name: str, topic: Topic | None) -> bool:
    stmt = select(Topic.id).where(func.lower(Topic.name) == name.strip().lower())
    if topic is not None:
        stmt = stmt.where(Topic.id != topic.id)
    return db.session.execute(stmt.limit(1)).first() is not None


def all_topics(*, archived: bool = True) -> list[Topic]:
    stmt = select(Topic).order_by(Topic.archived_at.is_not(None), func.lower(Topic.name))
    if not archived:
        stmt = stmt.where(Topic.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def choices() -> list[tuple[str, str]]:
    """Every topic as (id, name), archived ones marked, for the filter builder."""
    return [(str(t.id), t.name + (" (archived)" if t.archived_at else "")) for t in all_topics()]


def consent_labels(keys) -> dict[str, str]:
    """The contacts hook `consent_topics`: "marketing:3" -> "Newsletter"."""
    ids = {}
    for key in keys:
        if key.startswith(KEY_PREFIX) and key[len(KEY_PREFIX):].isdigit():
            ids[int(key[len(KEY_PREFIX):])] = key
    if not ids:
        return {}
    names = dict(db.session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(ids))).all())
    return {topic_key(i): names[i] for i in ids if i in names}


def save(topic: Topic | None, values: dict) -> tuple[Topic, bool]:
    """Add a topic (`topic` None) or change one with `values` (name,
    description, consent_wording, kind, on_preference_page), audited; the
    caller checked the name is free (`name_taken`) and commits. Returns the
    topic and whether anything changed. The admin page and the API share it."""
    if topic is None:
        topic = Topic(slug=unique_slug(values["name"]), **values)
        db.session.add(topic)
        db.session.flush()
        audit.record(audit.CREATE, topic, summary=f"Added the topic “{topic.name}”")
        return topic, True
    changes = audit.diff(topic, values)
    if changes:
        audit.record(audit.UPDATE, topic, changes=changes, summary=f"Changed the topic “{topic.name}”")
    return topic, bool(changes)


def set_archived(topic: Topic, archived: bool) -> bool:
    """Archive a topic or bring it back (audited); False when it was so
    already. Archived topics take no sign-ups and leave the preference page;
    their subscriptions and consent history stay."""
    if archived == (topic.archived_at is not None):
        return False
    topic.archived_at = utcnow() if archived else None
    audit.record(audit.UPDATE, topic, summary=f"{'Archived' if archived else 'Brought back'} the topic “{topic.name}”",
                 changes={"archived": (not archived, archived)})
    return True
