"""Tables of the helpdesk's SLAs and automation: working hours and
holidays (the business-hours calendar), SLA policies, rules and canned
replies. models.py imports this file, so the manifest's one `models`
reference loads them all."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class BusinessHours(db.Model):
    """One working span of a weekday (Monday 0), in local minutes after
    midnight; `closes <= opens` runs overnight (business_time.py)."""

    __tablename__ = "helpdesk_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[int] = mapped_column(Integer)
    closes: Mapped[int] = mapped_column(Integer)


class Holiday(db.Model):
    """A day off the admin added or imported (on top of the country's public holidays)."""

    __tablename__ = "helpdesk_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="added")  # added / imported


class SlaPolicy(db.Model):
    """Targets in business minutes for tickets of a team and priority
    (blank: any). The most specific policy that fits a ticket applies."""

    __tablename__ = "helpdesk_sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_team.id", ondelete="CASCADE"), index=True)
    priority: Mapped[str] = mapped_column(String(20), default="")
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rule(db.Model):
    """When a ticket is opened: if every condition holds, do the actions.
    Conditions and actions are JSON lists of {"field"/"action", "value"}
    from the closed lists in rules.py; nothing is ever evaluated as code."""

    __tablename__ = "helpdesk_rule"
    __table_args__ = (Index("ix_helpdesk_rule_order", "active", "position", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stop: Mapped[bool] = mapped_column(Boolean, default=False)  # no later rule runs after this one matched
    conditions: Mapped[str] = mapped_column(Text, default="[]")
    actions: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReply(db.Model):
    """A reply agents insert and adjust: shared (owner NULL) or an agent's own."""

    __tablename__ = "helpdesk_canned"
    __table_args__ = (Index("ix_helpdesk_canned_owner", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10), default="markdown")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
