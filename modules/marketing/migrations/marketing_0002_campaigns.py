"""marketing: campaigns, verified senders, layouts, frozen recipients and their events

Revision ID: marketing_0002
Revises: marketing_0001
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0002"
down_revision = "marketing_0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "marketing_sender",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("reply_to", sa.String(254), nullable=False),
        sa.Column("verified_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("email", name="uq_marketing_sender_email"),
    )
    op.create_table(
        "marketing_layout",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_marketing_layout_name"),
    )
    op.create_table(
        "marketing_campaign",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("preheader", sa.String(300), nullable=False),
        sa.Column("sender_id", sa.Integer(), sa.ForeignKey("marketing_sender.id", ondelete="SET NULL")),
        sa.Column("reply_to", sa.String(254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("layout_id", sa.Integer(), sa.ForeignKey("marketing_layout.id", ondelete="SET NULL")),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("marketing_topic.id", ondelete="SET NULL")),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("track_clicks", sa.Boolean(), nullable=False),
        sa.Column("track_opens", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scheduled_at", sa.DateTime()),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("paused_reason", sa.Text(), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("recipients_total", sa.Integer(), nullable=False),
        sa.Column("frozen_max_id", sa.BigInteger()),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("core_job.id", ondelete="SET NULL")),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_marketing_campaign_status", "marketing_campaign", ["status", "scheduled_at"])
    op.create_table(
        "marketing_recipient",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts_contact.id", ondelete="SET NULL")),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("related", sa.JSON()),
        sa.Column("variant", sa.String(1), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(255)),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("error", sa.String(500), nullable=False),
    )
    op.create_index("ix_marketing_recipient_campaign", "marketing_recipient", ["campaign_id", "id"])
    op.create_index("ix_marketing_recipient_campaign_status", "marketing_recipient", ["campaign_id", "status"])
    op.create_index("ix_marketing_recipient_contact", "marketing_recipient", ["contact_id", "id"])
    op.create_index("ix_marketing_recipient_message", "marketing_recipient", ["message_id"])
    op.create_table(
        "marketing_event",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("recipient_id", BIG_ID, sa.ForeignKey("marketing_recipient.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(2000), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_marketing_event_recipient", "marketing_event", ["recipient_id", "kind"])
    op.create_index("ix_marketing_event_campaign", "marketing_event", ["campaign_id", "kind", "id"])


def downgrade():
    op.drop_table("marketing_event")
    op.drop_table("marketing_recipient")
    op.drop_table("marketing_campaign")
    op.drop_table("marketing_layout")
    op.drop_table("marketing_sender")
