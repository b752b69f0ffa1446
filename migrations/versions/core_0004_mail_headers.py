"""extra headers on outgoing mail

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-07

Replies that must thread in the recipient's mail client (helpdesk) carry
In-Reply-To, References and Reply-To; automatic replies carry
Auto-Submitted (RFC 3834). Stored with the message as JSON.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_mail_message") as batch:
        batch.add_column(sa.Column("headers", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("core_mail_message") as batch:
        batch.drop_column("headers")
