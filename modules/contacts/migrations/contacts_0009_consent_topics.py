"""the consent ledger names a topic (another module's, e.g. "marketing:3") and
the IP address of web sign-ups

Revision ID: contacts_0009
Revises: contacts_0008_existing_lookup
Create Date: 2026-12-06

Both columns are empty for the entries already there: those are the general
email opt-in, recorded by people, not by a web form.
"""
import sqlalchemy as sa
from alembic import op

revision = 'contacts_0009'
down_revision = 'contacts_0008_existing_lookup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts_consent') as batch:
        batch.add_column(sa.Column('topic', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('ip', sa.String(length=45), nullable=True))
        batch.create_index(batch.f('ix_contacts_consent_topic'), ['topic'], unique=False)


def downgrade():
    with op.batch_alter_table('contacts_consent') as batch:
        batch.drop_index(batch.f('ix_contacts_consent_topic'))
        batch.drop_column('ip')
        batch.drop_column('topic')
