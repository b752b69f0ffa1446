"""helpdesk: the ticket reports' rollup (tickets per day of creation, team and channel)

Revision ID: helpdesk_0005_ticket_days
Revises: helpdesk_0004
Create Date: 2026-12-07

Ticket volume counted every ticket of its range (a year back by default)
three times: 500,000 tickets at the scale issue 11 names. This table holds
per day of creation, team and channel what it counts, kept by a flush
listener (modules/helpdesk/ticket_days.py). An install with no ticket yet
starts it at once; one with tickets builds it with `flask reports rebuild`.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "helpdesk_0005_ticket_days"
down_revision = "helpdesk_0004"
branch_labels = None
depends_on = None



def upgrade():
    op.create_table("helpdesk_ticket_day", sa.Column("day", sa.Date(), primary_key=True),
                    sa.Column("team_id", sa.Integer(), primary_key=True, autoincrement=False),
                    sa.Column("channel", sa.String(20), primary_key=True),
                    *(sa.Column(name, sa.Integer(), nullable=False) for name in (
                        "tickets", "solved", "response_targets", "response_met", "resolution_targets",
                        "resolution_met")))
    state = op.create_table("helpdesk_ticket_day_state",
                            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
                            sa.Column("built_at", sa.DateTime(), nullable=False))
    if op.get_bind().execute(sa.text("SELECT 1 FROM helpdesk_ticket LIMIT 1")).first() is None:
        op.bulk_insert(state, [{"id": 1, "built_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    op.drop_table("helpdesk_ticket_day_state")
    op.drop_table("helpdesk_ticket_day")
