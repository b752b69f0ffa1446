"""personal access tokens and idempotency keys for the REST API

Revision ID: core_0007_api_tokens
Revises: core_0006_webhooks
Create Date: 2026-12-07

Tokens are stored as the sha256 of their secret; the idempotency table keeps
the answer to a POST made with an Idempotency-Key, for its retries.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0007_api_tokens"
down_revision = "core_0006_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime()),
        sa.Column("last_used_at", sa.DateTime()),
        sa.Column("last_used_ip", sa.String(45)),
        sa.Column("revoked_at", sa.DateTime()),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], name="fk_core_api_token_user_id_core_user",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash", name="uq_core_api_token_token_hash"),
    )
    op.create_index("ix_core_api_token_user_id", "core_api_token", ["user_id"])
    op.create_table(
        "core_api_idempotency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("location", sa.String(500)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["core_api_token.id"],
                                name="fk_core_api_idempotency_token_id_core_api_token", ondelete="CASCADE"),
        sa.UniqueConstraint("token_id", "key", name="uq_core_api_idempotency_token_id"),
    )
    op.create_index("ix_core_api_idempotency_created_at", "core_api_idempotency", ["created_at"])


def downgrade():
    op.drop_table("core_api_idempotency")
    op.drop_table("core_api_token")
