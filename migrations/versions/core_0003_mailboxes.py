"""mailboxes and inbound mail

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-12-06

The mailboxes modules read (bounces, helpdesk tickets) and each message the
intake service took from them, once per Message-ID (app/intake/).
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_mailbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(20), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password", sa.String(255), nullable=False),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("after", sa.String(20), nullable=False),
        sa.Column("move_to", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger()),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_core_mailbox_name"),
    )
    op.create_table(
        "core_inbound_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mailbox_id", sa.Integer(), sa.ForeignKey("core_mailbox.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_key", sa.String(255), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime()),
        sa.UniqueConstraint("mailbox_id", "message_key", name="uq_core_inbound_message_key"),
    )
    op.create_index("ix_core_inbound_message_mailbox", "core_inbound_message", ["mailbox_id", "id"])
    op.create_index("ix_core_inbound_message_status", "core_inbound_message", ["status", "id"])


def downgrade():
    op.drop_table("core_inbound_message")
    op.drop_table("core_mailbox")
