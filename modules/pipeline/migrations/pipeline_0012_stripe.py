"""online donations: the Stripe events received and the payments they became

Revision ID: pipeline_0012_stripe
Revises: pipeline_0011
Create Date: 2026-12-07

Every Stripe event once, by its id (so a redelivery changes nothing), with
what Steward did about it; and each Stripe payment's gift, so a refund finds
its gift and is applied once.
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "pipeline_0012_stripe"
down_revision = "pipeline_0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pipeline_stripe_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("received_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("gift_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["gift_id"], ["pipeline_gift.id"],
                                name=op.f("fk_pipeline_stripe_event_gift_id_pipeline_gift"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stripe_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_pipeline_stripe_event_event_id")),
    )
    op.create_index("ix_pipeline_stripe_event_received", "pipeline_stripe_event", ["received_at"])
    op.create_index(op.f("ix_pipeline_stripe_event_gift_id"), "pipeline_stripe_event", ["gift_id"])
    op.create_table(
        "pipeline_stripe_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=False),
        sa.Column("charge_id", sa.String(length=255), nullable=False),
        sa.Column("gift_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["gift_id"], ["pipeline_gift.id"],
                                name=op.f("fk_pipeline_stripe_payment_gift_id_pipeline_gift"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stripe_payment")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_pipeline_stripe_payment_payment_id")),
    )
    op.create_index(op.f("ix_pipeline_stripe_payment_charge_id"), "pipeline_stripe_payment", ["charge_id"])
    op.create_index(op.f("ix_pipeline_stripe_payment_gift_id"), "pipeline_stripe_payment", ["gift_id"])


def downgrade():
    op.drop_table("pipeline_stripe_payment")
    op.drop_table("pipeline_stripe_event")
