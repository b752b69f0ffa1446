"""a gift import keeps the first rows it read (sample) and why a file was
refused (problem)

The upload reads the file once and keeps what the mapping and preview pages
show, so that a page never parses the file again. Imports uploaded before
this revision have no sample: their pages show no sample values and their
preview checks no rows; the import itself still checks every row.

Revision ID: pipeline_0006
Revises: pipeline_0005
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0006"
down_revision = "pipeline_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pipeline_gift_import", sa.Column("sample", sa.JSON(), nullable=True))
    op.add_column("pipeline_gift_import", sa.Column("problem", sa.String(length=500), nullable=True))


def downgrade():
    # a plain ALTER TABLE on SQLite too (3.35+): recreating the table would
    # set the gifts' import_id to NULL through their foreign key
    op.drop_column("pipeline_gift_import", "problem")
    op.drop_column("pipeline_gift_import", "sample")
