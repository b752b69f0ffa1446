"""intake indexes: threading by sender and subject, the acknowledgement cap

Revision ID: helpdesk_0004
Revises: helpdesk_0003
Create Date: 2026-12-07

Each new message looks for an open ticket of the same sender and subject
(modules/helpdesk/threading.py) and counts the acknowledgements sent to its
address in the last hour (services.acknowledge). Both read whole tables
without these indexes: the thread index was on the requester's contact id,
which intake does not know, and nothing indexed a message's recipient.
make bench measured ingest falling from 39 to 10 messages a second between
5,000 and 100,000 contacts.
"""
from alembic import op

revision = "helpdesk_0004"
down_revision = "helpdesk_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_helpdesk_ticket_thread", table_name="helpdesk_ticket")
    op.create_index("ix_helpdesk_ticket_thread", "helpdesk_ticket",
                    ["requester_email", "subject_key", "last_message_at"])
    op.create_index("ix_helpdesk_message_to", "helpdesk_message", ["to", "created_at"])


def downgrade():
    op.drop_index("ix_helpdesk_message_to", table_name="helpdesk_message")
    op.drop_index("ix_helpdesk_ticket_thread", table_name="helpdesk_ticket")
    op.create_index("ix_helpdesk_ticket_thread", "helpdesk_ticket",
                    ["requester_id", "subject_key", "last_message_at"])
