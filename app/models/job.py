"""Background jobs: the database keeps their state, RQ only carries ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Job(db.Model):
    __tablename__ = "core_job"
    __table_args__ = (Index("ix_core_job_status_id", "status", "id"),)

    QUEUED, STARTED, FINISHED, FAILED = "queued", "started", "finished", "failed"
    # The worker running it died (app/jobs/stranded.py): resume or retry it.
    INTERRUPTED = "interrupted"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User", lazy="joined")

    @property
    def percent(self) -> int | None:
        if self.status == self.FINISHED:
            return 100
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))
