"""gift imports remember the choices made for unknown funds, appeals and
payment methods, and the funds and appeals they created

Revision ID: pipeline_0008
Revises: pipeline_0007
Create Date: 2026-12-06

Both columns are JSON and empty for the imports already there (they chose
nothing and created nothing).
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0008"
down_revision = "pipeline_0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pipeline_gift_import") as batch:
        batch.add_column(sa.Column("value_choices", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("created_values", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("pipeline_gift_import") as batch:
        batch.drop_column("created_values")
        batch.drop_column("value_choices")
