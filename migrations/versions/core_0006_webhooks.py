"""outgoing webhooks

Revision ID: core_0006_webhooks
Revises: core_0005_calendar_feed
Create Date: 2026-12-07

The endpoints administrators subscribe to events, the outbox of events
(written in the transaction of the change), one delivery per event and
endpoint, and every attempt (app/webhooks/).
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0006_webhooks"
down_revision = "core_0005_calendar_feed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_webhook_endpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notify_email", sa.String(254), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("secret_shown", sa.Boolean(), nullable=False),
        sa.Column("previous_secret", sa.String(100)),
        sa.Column("previous_expires_at", sa.DateTime()),
        sa.Column("failing_since", sa.DateTime()),
        sa.Column("given_up_in_a_row", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=False),
        sa.Column("disabled_at", sa.DateTime()),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("core_user.id", ondelete="SET NULL",
                                name="fk_core_webhook_endpoint_created_by_id_core_user")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "core_webhook_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(40), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("record_id", sa.Integer()),
        sa.Column("contact_id", sa.Integer()),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("uid", name="uq_core_webhook_message_uid"),
    )
    op.create_index("ix_core_webhook_message_contact", "core_webhook_message", ["contact_id", "id"])
    op.create_table(
        "core_webhook_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("endpoint_id", sa.Integer(),
                  sa.ForeignKey("core_webhook_endpoint.id", ondelete="CASCADE",
                                name="fk_core_webhook_delivery_endpoint_id_core_webhook_endpoint"),
                  nullable=False),
        sa.Column("message_id", sa.Integer(),
                  sa.ForeignKey("core_webhook_message.id", ondelete="CASCADE",
                                name="fk_core_webhook_delivery_message_id_core_webhook_message"),
                  nullable=False),
        sa.Column("contact_id", sa.Integer()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime()),
        sa.Column("locked_until", sa.DateTime()),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("replay_of_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_index("ix_core_webhook_delivery_endpoint", "core_webhook_delivery", ["endpoint_id", "id"])
    op.create_index("ix_core_webhook_delivery_status", "core_webhook_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_core_webhook_delivery_order", "core_webhook_delivery",
                    ["endpoint_id", "contact_id", "status", "id"])
    op.create_index("ix_core_webhook_delivery_message_id", "core_webhook_delivery", ["message_id"])
    op.create_table(
        "core_webhook_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(),
                  sa.ForeignKey("core_webhook_delivery.id", ondelete="CASCADE",
                                name="fk_core_webhook_attempt_delivery_id_core_webhook_delivery"),
                  nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
    )
    op.create_index("ix_core_webhook_attempt_delivery", "core_webhook_attempt", ["delivery_id", "id"])


def downgrade():
    op.drop_table("core_webhook_attempt")
    op.drop_table("core_webhook_delivery")
    op.drop_table("core_webhook_message")
    op.drop_table("core_webhook_endpoint")
