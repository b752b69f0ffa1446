"""Who changed a record since a form was shown, from the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import AuditEntry, User

LOOKED_AT = 50  # the newest entries read; older ones add nothing to the view


class Changers:
    """The people who saved `record` since `since`: per field where the audit
    entry names it, else whoever saved last."""

    def __init__(self, record, since: datetime):
        query = (db.select(AuditEntry.changes, AuditEntry.at, AuditEntry.actor, User.name)
                 .outerjoin(User, User.id == AuditEntry.user_id)
                 .where(AuditEntry.object_type == record.__tablename__,
                        AuditEntry.object_id == str(record.id), AuditEntry.at >= since)
                 .order_by(AuditEntry.id.desc()).limit(LOOKED_AT))
        self.entries = [(changes or {}, at, name or actor or "Someone")
                        for changes, at, actor, name in db.session.execute(query)]
        fallback = getattr(record, "updated_at", None)
        if isinstance(fallback, datetime) and fallback.tzinfo is None:
            fallback = fallback.replace(tzinfo=UTC)  # naive stamps are stored in UTC
        self.fallback = fallback

    def of(self, field_name: str) -> tuple[str, datetime | None]:
        """(name, when) of the newest change to `field_name`."""
        for changes, at, name in self.entries:
            if field_name in changes or field_name.removesuffix("_id") in changes or f"{field_name}_id" in changes:
                return name, at
        if self.entries:
            _, at, name = self.entries[0]
            return name, at
        return "Someone else", self.fallback
