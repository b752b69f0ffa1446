"""Satisfaction ratings: one row per ticket, made when the survey is sent,
rated when the requester answers. A plain table (no JSON, no joins needed
beyond the ticket) so the reports module can read it as it is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

GOOD, BAD = "good", "bad"
RATINGS = {GOOD: "Good, I'm satisfied", BAD: "Bad, I'm unsatisfied"}


class Satisfaction(db.Model):
    __tablename__ = "helpdesk_satisfaction"
    __table_args__ = (Index("ix_helpdesk_satisfaction_agent", "agent_id", "rating"),
                      Index("ix_helpdesk_satisfaction_team", "team_id", "rating"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_ticket.id", ondelete="CASCADE"), unique=True)
    key: Mapped[str] = mapped_column(String(64))  # random, signed into the survey link
    # Who and which team solved it, when the survey was sent: the statistics' groups.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_team.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rating: Mapped[str | None] = mapped_column(String(10))  # good / bad; None: not answered
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
