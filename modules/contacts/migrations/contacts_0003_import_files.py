"""an import's file in its own table (contacts_import_file)

The run's row is saved after every few thousand rows of an import, and SQLite
rewrites a whole row, the file's bytes included, on each save. Existing
imports keep their files: they are copied over before the column goes.

Revision ID: contacts_0003
Revises: contacts_0002
Create Date: 2026-11-22

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'contacts_0003'
down_revision = 'contacts_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contacts_import_file',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['contacts_import.id'], name=op.f('fk_contacts_import_file_import_id_contacts_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', name=op.f('pk_contacts_import_file'))
    )
    op.execute("INSERT INTO contacts_import_file (import_id, data) SELECT id, data FROM contacts_import")
    # a plain ALTER TABLE on SQLite too (3.35+): recreating contacts_import
    # would cascade its deletion to the tables that refer to it
    op.drop_column('contacts_import', 'data')


def downgrade():
    op.add_column('contacts_import', sa.Column('data', sa.LargeBinary(), nullable=True))
    op.execute("UPDATE contacts_import SET data = (SELECT f.data FROM contacts_import_file f "
               "WHERE f.import_id = contacts_import.id)")
    op.drop_table('contacts_import_file')
