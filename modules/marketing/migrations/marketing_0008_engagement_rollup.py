"""marketing: engagement decay's rollup (steps of each person's campaign history)

Revision ID: marketing_0008_engagement_rollup
Revises: marketing_0007_recipient_email
Create Date: 2026-12-07

The engagement decay report numbered every sent message of every person
with a window function and probed its opens and clicks: millions of rows
at a million contacts. The rollup keeps the per-step counts (a few dozen
rows). An install with no campaign sent yet starts it at once; one with a
history builds it with `flask reports rebuild` (the report reads the
recipients until then).
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0008_engagement_rollup"
down_revision = "marketing_0007_recipient_email"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "marketing_engagement_step",
        sa.Column("by", sa.String(10), primary_key=True),
        sa.Column("step", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("clicked", sa.Integer(), nullable=False),
    )
    state = op.create_table(
        "marketing_engagement_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
    )
    sent = op.get_bind().execute(sa.text("SELECT 1 FROM marketing_recipient WHERE status = 'sent' LIMIT 1")).first()
    if sent is None:
        from datetime import UTC, datetime

        op.bulk_insert(state, [{"id": 1, "built_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    op.drop_table("marketing_engagement_state")
    op.drop_table("marketing_engagement_step")
