"""private calendar feeds

Revision ID: core_0007_calendar_feed
Revises: core_0004
Create Date: 2026-12-07

One feed per user: the secret of its URL, hashed, and its last fetch.
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "core_0007_calendar_feed"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], name=op.f("fk_core_calendar_feed_user_id_core_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_core_calendar_feed_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_core_calendar_feed_user_id")),
    )


def downgrade():
    op.drop_table("core_calendar_feed")
