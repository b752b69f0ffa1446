"""marketing: drip sequences, their steps and each contact's enrolment

Revision ID: marketing_0005_sequences
Revises: marketing_0004_default_layout
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0005_sequences"
down_revision = "marketing_0004_default_layout"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "marketing_sequence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("marketing_topic.id", ondelete="SET NULL")),
        sa.Column("sender_id", sa.Integer(), sa.ForeignKey("marketing_sender.id", ondelete="SET NULL")),
        sa.Column("layout_id", sa.Integer(), sa.ForeignKey("marketing_layout.id", ondelete="SET NULL")),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("segment_id", sa.Integer(), sa.ForeignKey("contacts_segment.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "marketing_sequence_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("marketing_sequence.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("wait_hours", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        sa.UniqueConstraint("sequence_id", "position", name="uq_marketing_sequence_step_sequence_id"),
        sa.UniqueConstraint("campaign_id", name="uq_marketing_sequence_step_campaign_id"),
    )
    op.create_table(
        "marketing_enrolment",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("marketing_sequence.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("steps_sent", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("left_reason", sa.String(20), nullable=False),
        sa.Column("claim", sa.String(32)),
        sa.Column("claimed_at", sa.DateTime()),
        sa.Column("recipient_id", BIG_ID, sa.ForeignKey("marketing_recipient.id", ondelete="SET NULL")),
        sa.UniqueConstraint("sequence_id", "contact_id", name="uq_marketing_enrolment_sequence_id"),
    )
    op.create_index("ix_marketing_enrolment_due", "marketing_enrolment",
                    ["sequence_id", "status", "steps_sent", "entered_at"])
    op.create_index("ix_marketing_enrolment_contact", "marketing_enrolment", ["contact_id"])


def downgrade():
    op.drop_table("marketing_enrolment")
    op.drop_table("marketing_sequence_step")
    op.drop_table("marketing_sequence")
