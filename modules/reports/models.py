"""Saved builder reports: a name, a description, the builder's query string
(spec.py) and who may open them: the owner, and the roles it is shared with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class SavedReport(db.Model):
    __tablename__ = "reports_report"
    __table_args__ = (Index("ix_reports_report_owner", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(60))
    # The canonical query-string arguments (spec.Spec.args()): {"g": ["received:fiscal"], ...}
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner = relationship("User")
    shares: Mapped[list[ReportShare]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_ids(self) -> list[int]:
        return sorted(s.role_id for s in self.shares)


class ReportShare(db.Model):
    """The report is shared with everyone holding this role."""

    __tablename__ = "reports_report_share"
    __table_args__ = (Index("ix_reports_report_share_role", "role_id", "report_id"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True)


class ReportSchedule(db.Model):
    """A saved report emailed on a schedule (modules/reports/delivery/).

    `next_run_at` is the truth: the recurring schedule "reports.deliveries"
    sends what is due, so a restart only delays a run. A failed run keeps
    its place: `failures` counts the tries in a row, `last_error` says why,
    and the next try waits longer each time (never dropped)."""

    __tablename__ = "reports_schedule"
    __table_args__ = (Index("ix_reports_schedule_due", "active", "next_run_at"),)

    OK, RETRYING, NEW = "ok", "retrying", "new"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    frequency: Mapped[str] = mapped_column(String(20))
    weekday: Mapped[int] = mapped_column(default=0)
    day: Mapped[int] = mapped_column(default=1)
    format: Mapped[str] = mapped_column(String(10), default="pdf")
    # One address a line (users are chosen by their address).
    recipients: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=NEW)
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report = relationship("SavedReport")
    owner = relationship("User")

    @property
    def addresses(self) -> list[str]:
        return [a.strip() for a in self.recipients.replace(",", "\n").splitlines() if a.strip()]


class DashboardWidget(db.Model):
    """A saved report on a dashboard: a user's own (user_id) or a role's
    (role_id, composed by reports.admin and shown to everyone in the role)."""

    __tablename__ = "reports_widget"
    __table_args__ = (Index("ix_reports_widget_user", "user_id", "position"),
                      Index("ix_reports_widget_role", "role_id", "position"))

    CHART, ROWS = "chart", "rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("core_role.id", ondelete="CASCADE"))
    show: Mapped[str] = mapped_column(String(10), default=CHART)
    position: Mapped[int] = mapped_column(default=0)

    report = relationship("SavedReport")
