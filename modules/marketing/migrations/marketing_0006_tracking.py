"""marketing: measuring results: the links of each campaign and the clicks
on them, the A/B subject test's settings and state on the campaign, and an
index of recipients by contact and campaign (the filter builder's criteria)

Revision ID: marketing_0006_tracking
Revises: marketing_0005_sequences
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0006_tracking"
down_revision = "marketing_0005_sequences"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("marketing_campaign") as batch:
        batch.add_column(sa.Column("ab_subjects", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("ab_share", sa.Integer(), nullable=False, server_default="20"))
        batch.add_column(sa.Column("ab_wait_minutes", sa.Integer(), nullable=False, server_default="240"))
        batch.add_column(sa.Column("ab_metric", sa.String(10), nullable=False, server_default="clicks"))
        batch.add_column(sa.Column("ab_phase", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("ab_decide_at", sa.DateTime()))
        batch.add_column(sa.Column("ab_winner", sa.String(1), nullable=False, server_default=""))
    op.create_index("ix_marketing_recipient_contact_campaign", "marketing_recipient", ["contact_id", "campaign_id"])
    op.create_table(
        "marketing_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.UniqueConstraint("campaign_id", "position", name="uq_marketing_link_position"),
    )
    op.create_table(
        "marketing_click",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("recipient_id", BIG_ID, sa.ForeignKey("marketing_recipient.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("marketing_link.id", ondelete="CASCADE"), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("recipient_id", "link_id", name="uq_marketing_click_recipient_link"),
    )
    op.create_index("ix_marketing_click_campaign", "marketing_click", ["campaign_id", "link_id"])


def downgrade():
    op.drop_table("marketing_click")
    op.drop_table("marketing_link")
    op.drop_index("ix_marketing_recipient_contact_campaign", "marketing_recipient")
    with op.batch_alter_table("marketing_campaign") as batch:
        for name in ("ab_winner", "ab_decide_at", "ab_phase", "ab_metric", "ab_wait_minutes", "ab_share",
                     "ab_subjects"):
            batch.drop_column(name)
