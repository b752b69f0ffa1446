"""helpdesk: each ticket's response and resolution times, indexed for the times report's medians

Revision ID: helpdesk_0006_ticket_times
Revises: helpdesk_0005_ticket_days
Create Date: 2026-12-07

The response and resolution times report read and sorted every ticket of
its range for its medians (1.7 s at 500,000 tickets). Each ticket now
holds its elapsed times in microseconds (kept by
modules/helpdesk/ticket_times.py), indexed per team and for all teams so a
median is the middle row of an index range; the day rollup counts the
tickets with a response, which says which row that is. Both are filled
here from the existing rows (the day rollup counted again whole: its SLA
shares, which the report now reads there, were short).
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "helpdesk_0006_ticket_times"
down_revision = "helpdesk_0005_ticket_days"
branch_labels = None
depends_on = None

KINDS = (("response", "first_responded_at"), ("resolution", "solved_at"))


def _elapsed_us(dialect: str, later: str) -> str:
    """SQL for the microseconds from created_at to `later` (a column name from KINDS), exact on both
    databases. SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds and the microseconds are
    taken apart, as its date functions round to milliseconds (12:00:00.999999 would count as 12:00:01)."""
    if dialect == "sqlite":
        def seconds(column):
            return f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"

        def micros(column):
            return f"CAST(substr({column}, 21) AS INTEGER)"

        return (f"({seconds(later)} - {seconds('created_at')}) * 1000000 + {micros(later)} - {micros('created_at')}")
    return f"CAST(ROUND(EXTRACT(EPOCH FROM {later} - created_at) * 1000000) AS BIGINT)"


def _fill_times(bind) -> None:
    sets = ", ".join(f"{kind}_us = CASE WHEN {later} IS NOT NULL THEN {_elapsed_us(bind.dialect.name, later)} END"
                     for kind, later in KINDS)
    bind.execute(sa.text(f"UPDATE helpdesk_ticket SET {sets} "  # noqa: S608 (fixed column names)
                         "WHERE first_responded_at IS NOT NULL OR solved_at IS NOT NULL"))


COUNTS = ("tickets", "solved", "response_targets", "response_met", "resolution_targets", "resolution_met",
          "responded")


def _met(at: str, due: str) -> str:
    return f"SUM(CASE WHEN {at} IS NOT NULL AND {due} IS NOT NULL AND {at} <= {due} THEN 1 ELSE 0 END)"


def _refill_days(bind) -> None:
    """The day rollup counted again from the tickets, with its new count, when it is built (otherwise
    `flask reports rebuild` builds it whole). Again, because its flush listener took a due time set after
    a ticket's INSERT (sla.start on opening) as counted already: the SLA shares, which the times report now
    reads here, were short."""
    if bind.execute(sa.text("SELECT 1 FROM helpdesk_ticket_day_state")).first() is None:
        return
    day = "substr(created_at, 1, 10)" if bind.dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    rows = bind.execute(sa.text(
        f"SELECT {day}, COALESCE(team_id, 0), channel, COUNT(*), COUNT(solved_at), "  # noqa: S608 (fixed SQL)
        f"COUNT(first_response_due_at), {_met('first_responded_at', 'first_response_due_at')}, "
        f"COUNT(resolution_due_at), {_met('solved_at', 'resolution_due_at')}, COUNT(first_responded_at) "
        "FROM helpdesk_ticket WHERE status != 'merged' GROUP BY 1, 2, 3")).all()
    bind.execute(sa.text("DELETE FROM helpdesk_ticket_day"))
    if rows:
        bind.execute(sa.text(f"INSERT INTO helpdesk_ticket_day (day, team_id, channel, {', '.join(COUNTS)}) "  # noqa: S608
                             f"VALUES (:day, :team_id, :channel, {', '.join(':' + c for c in COUNTS)})"),
                     [{"day": on if isinstance(on, date) else date.fromisoformat(on), "team_id": team_id,
                       "channel": channel, **dict(zip(COUNTS, (int(n) for n in counts), strict=True))}
                      for on, team_id, channel, *counts in rows])


def upgrade():
    bind = op.get_bind()
    for kind, _later in KINDS:
        op.add_column("helpdesk_ticket", sa.Column(f"{kind}_us", sa.BigInteger(), nullable=True))
    _fill_times(bind)
    for kind, _later in KINDS:
        where = sa.text(f"{kind}_us IS NOT NULL")
        op.create_index(f"ix_helpdesk_ticket_{kind}_time", "helpdesk_ticket",
                        ["team_id", f"{kind}_us", "created_at", "channel", "status"],
                        sqlite_where=where, postgresql_where=where)
        op.create_index(f"ix_helpdesk_ticket_{kind}_time_all", "helpdesk_ticket",
                        [f"{kind}_us", "created_at", "channel", "status", "team_id"],
                        sqlite_where=where, postgresql_where=where)
    op.add_column("helpdesk_ticket_day", sa.Column("responded", sa.Integer(), nullable=False, server_default="0"))
    _refill_days(bind)


def downgrade():
    op.drop_column("helpdesk_ticket_day", "responded")
    for kind, _later in KINDS:
        op.drop_index(f"ix_helpdesk_ticket_{kind}_time_all", "helpdesk_ticket")
        op.drop_index(f"ix_helpdesk_ticket_{kind}_time", "helpdesk_ticket")
        op.drop_column("helpdesk_ticket", f"{kind}_us")
