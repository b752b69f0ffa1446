"""contact imports remember the choices made for unknown tags and custom-field
choices, and the tags and choices they created

Revision ID: contacts_0006
Revises: contacts_0005
Create Date: 2026-12-06

Both columns are JSON and empty for the imports already there.
"""
import sqlalchemy as sa
from alembic import op

revision = 'contacts_0006'
down_revision = 'contacts_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts_import') as batch:
        batch.add_column(sa.Column('value_choices', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('created_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('contacts_import') as batch:
        batch.drop_column('created_values')
        batch.drop_column('value_choices')
