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
here from the existing rows.
"""
from collections import Counter
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


def _fill_responded(bind) -> None:
    """The rollup's new count, when it is built (otherwise `flask reports rebuild` builds it whole)."""
    if bind.execute(sa.text("SELECT 1 FROM helpdesk_ticket_day_state")).first() is None:
        return
    day = "substr(created_at, 1, 10)" if bind.dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    counts = Counter()
    for on, team_id, channel, responded in bind.execute(sa.text(
            f"SELECT {day}, COALESCE(team_id, 0), channel, COUNT(*) FROM helpdesk_ticket "  # noqa: S608 (fixed SQL)
            "WHERE first_responded_at IS NOT NULL AND status != 'merged' GROUP BY 1, 2, 3")):
        counts[(on if isinstance(on, date) else date.fromisoformat(on), team_id, channel)] = responded
    if counts:
        bind.execute(sa.text("UPDATE helpdesk_ticket_day SET responded = :responded "
                             "WHERE day = :day AND team_id = :team_id AND channel = :channel"),
                     [{"day": d, "team_id": t, "channel": c, "responded": n} for (d, t, c), n in counts.items()])


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
    _fill_responded(bind)


def downgrade():
    op.drop_column("helpdesk_ticket_day", "responded")
    for kind, _later in KINDS:
        op.drop_index(f"ix_helpdesk_ticket_{kind}_time_all", "helpdesk_ticket")
        op.drop_index(f"ix_helpdesk_ticket_{kind}_time", "helpdesk_ticket")
        op.drop_column("helpdesk_ticket", f"{kind}_us")
