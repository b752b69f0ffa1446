"""Satisfaction by team and by agent: the survey's answers rated in the
range (unanswered surveys are not counted), good, bad and the share good.
The team and agent are those stored with the rating (who solved it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk.models import Team
from modules.helpdesk.reports.common import rate, start
from modules.helpdesk.surveys.models import BAD, GOOD, Satisfaction


def _grouped(name_column, join_model, join_on, values: dict, none_label: str) -> Result:
    conditions = [Satisfaction.rating.in_((GOOD, BAD))]
    if values.get("from"):
        conditions.append(Satisfaction.rated_at >= start(values["from"]))
    if values.get("to"):
        conditions.append(Satisfaction.rated_at < start(values["to"] + timedelta(days=1)))
    found = db.session.execute(select(name_column, Satisfaction.rating, func.count(Satisfaction.id))
                               .select_from(Satisfaction).outerjoin(join_model, join_on)
                               .where(*conditions).group_by(name_column, Satisfaction.rating)).all()
    counts: dict[str, list[int]] = {}
    for name, rating, n in found:
        pair = counts.setdefault(name or none_label, [0, 0])
        pair[0 if rating == GOOD else 1] += n
    rows = [(name, good, bad, good + bad, rate(good, good + bad)) for name, (good, bad) in counts.items()]
    rows.sort(key=lambda r: (-r[3], r[0]))
    return Result([Column("name", none_label.removeprefix("No ").capitalize()), Column("good", "Good", "number"),
                   Column("bad", "Bad", "number"), Column("ratings", "Ratings", "number"),
                   Column("share_good", "Share good", "percent")], rows)


def _footer(result: Result):
    if not result.rows:
        return None
    good, bad = sum(r[1] for r in result.rows), sum(r[2] for r in result.rows)
    return ("All", good, bad, good + bad, rate(good, good + bad))


def satisfaction(values: dict) -> list[Table]:
    by_team = _grouped(Team.name, Team, Team.id == Satisfaction.team_id, values, "No team")
    by_agent = _grouped(User.name, User, User.id == Satisfaction.agent_id, values, "No agent")
    by_team.notes.append("Ratings given in the range; surveys not answered are not counted.")
    return [Table("Satisfaction by team", by_team, ChartSpec("stacked", "name", ("good", "bad")),
                  footer=_footer(by_team)),
            Table("Satisfaction by agent", by_agent, ChartSpec("stacked", "name", ("good", "bad")),
                  footer=_footer(by_agent))]
