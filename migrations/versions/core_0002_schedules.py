"""recurring schedules

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-06

One row per recurring schedule a module declares (app/schedules.py): when
it is next due, which worker holds it, how its last run went.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_schedule",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("next_run_at", sa.DateTime()),
        sa.Column("running_since", sa.DateTime()),
        sa.Column("last_started_at", sa.DateTime()),
        sa.Column("last_finished_at", sa.DateTime()),
        sa.Column("last_outcome", sa.Text(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures_in_a_row", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("core_schedule")
