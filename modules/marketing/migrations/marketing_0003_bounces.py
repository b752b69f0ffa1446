"""marketing: the log of bounces and complaints (marketing_bounce)

Revision ID: marketing_0003_bounces
Revises: marketing_0002
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0003_bounces"
down_revision = "marketing_0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "marketing_bounce",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_key", sa.String(400), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="SET NULL")),
        sa.Column("recipient_id", BIG_ID, sa.ForeignKey("marketing_recipient.id", ondelete="SET NULL")),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source_key", name="uq_marketing_bounce_source_key"),
    )
    op.create_index("ix_marketing_bounce_email_kind", "marketing_bounce", ["email", "kind", "at"])
    op.create_index("ix_marketing_bounce_at", "marketing_bounce", ["at"])


def downgrade():
    op.drop_table("marketing_bounce")
