"""Satisfaction by agent and by team, and knowledge-base deflection, for
the statistics page. Grouped counts straight from the plain tables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import User
from modules.helpdesk.models import Team
from modules.helpdesk.surveys.models import BAD, GOOD, Satisfaction


@dataclass(frozen=True)
class Row:
    name: str
    sent: int
    good: int
    bad: int

    @property
    def rated(self) -> int:
        return self.good + self.bad

    @property
    def score(self) -> str:
        """The share of good ratings among those answered, "—" when none."""
        return f"{round(100 * self.good / self.rated)}%" if self.rated else "—"


def _grouped(column, names: dict) -> list[Row]:
    rows = db.session.execute(select(
        column, func.count(), func.sum(case((Satisfaction.rating == GOOD, 1), else_=0)),
        func.sum(case((Satisfaction.rating == BAD, 1), else_=0))).group_by(column)).all()
    out = [Row(names.get(key, "Nobody" if key is None else f"#{key}"), sent, int(good or 0), int(bad or 0))
           for key, sent, good, bad in rows]
    return sorted(out, key=lambda r: (-r.rated, r.name))


def by_agent() -> list[Row]:
    return _grouped(Satisfaction.agent_id, dict(db.session.execute(select(User.id, User.name)).all()))


def by_team() -> list[Row]:
    return _grouped(Satisfaction.team_id, dict(db.session.execute(select(Team.id, Team.name)).all()))


def recent_comments(limit: int = 10) -> list[Satisfaction]:
    return list(db.session.scalars(select(Satisfaction).where(Satisfaction.comment != "")
                                   .order_by(Satisfaction.rated_at.desc()).limit(limit)))
