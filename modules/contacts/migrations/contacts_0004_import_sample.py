"""an import keeps the first rows it read (contacts_import_file.sample) and
why a file was refused (contacts_import.problem)

The upload reads the file once and keeps what the mapping and preview pages
show, so that a page never parses the file again (a crafted workbook cost
half a minute of CPU on every page). Imports uploaded before this revision
have no sample: their pages show no sample values and their preview checks
no rows; the import itself still checks every row.

Revision ID: contacts_0004
Revises: contacts_0003
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = 'contacts_0004'
down_revision = 'contacts_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contacts_import_file', sa.Column('sample', sa.JSON(), nullable=True))
    op.add_column('contacts_import', sa.Column('problem', sa.String(length=500), nullable=True))


def downgrade():
    # a plain ALTER TABLE on SQLite too (3.35+): recreating contacts_import
    # would cascade its deletion to the tables that refer to it
    op.drop_column('contacts_import', 'problem')
    op.drop_column('contacts_import_file', 'sample')
