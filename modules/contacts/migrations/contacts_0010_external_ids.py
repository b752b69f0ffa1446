"""external ids: a contact's id in other systems (Stripe, a school's MIS)

Revision ID: contacts_0010
Revises: contacts_0009
Create Date: 2026-12-07

One row per (system, id), unique per system so that an id from another
system names one contact; looked up by (system, value), listed by contact.
"""
import sqlalchemy as sa
from alembic import op

revision = 'contacts_0010'
down_revision = 'contacts_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contacts_external_id',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('system', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'],
                                name=op.f('fk_contacts_external_id_contact_id_contacts_contact'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts_external_id')),
        sa.UniqueConstraint('system', 'value', name=op.f('uq_contacts_external_id_system')),
        sa.UniqueConstraint('contact_id', 'system', name=op.f('uq_contacts_external_id_contact_id')),
    )


def downgrade():
    op.drop_table('contacts_external_id')
