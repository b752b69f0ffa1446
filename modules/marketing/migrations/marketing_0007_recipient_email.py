"""marketing: an index of recipients by address, for replies to campaigns

Revision ID: marketing_0007_recipient_email
Revises: marketing_0006_tracking
Create Date: 2026-12-07

A reply that lost its In-Reply-To is matched to the campaign its sender
last received (helpdesk_replies.replied_to), by address and sending time;
without this index every inbound message read every recipient row.
"""
from alembic import op

revision = "marketing_0007_recipient_email"
down_revision = "marketing_0006_tracking"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_marketing_recipient_email", "marketing_recipient", ["email", "sent_at"])


def downgrade():
    op.drop_index("ix_marketing_recipient_email", table_name="marketing_recipient")
