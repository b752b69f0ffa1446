"""accounting exports: journal CSVs of gifts, and which export first carried each gift

Revision ID: pipeline_0013_accounting
Revises: pipeline_0012_stripe
Create Date: 2026-12-07

The gift table gets one nullable, indexed column, added in place (no table
copy, even on SQLite): a gift table of millions of rows migrates in a moment.
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "pipeline_0013_accounting"
down_revision = "pipeline_0012_stripe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pipeline_accounting_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shape", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("only_new", sa.Boolean(), nullable=False),
        sa.Column("gift_count", sa.Integer(), nullable=False),
        sa.Column("newly_exported", sa.Integer(), nullable=False),
        sa.Column("total", sa.String(length=30), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["core_user.id"],
                                name=op.f("fk_pipeline_accounting_export_created_by_id_core_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_accounting_export")),
    )
    # No foreign key: exports are never deleted, and SQLite could only add one by copying the table.
    op.add_column("pipeline_gift", sa.Column("accounting_export_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_pipeline_gift_accounting_export_id"), "pipeline_gift", ["accounting_export_id"])


def downgrade():
    with op.batch_alter_table("pipeline_gift") as batch:
        batch.drop_index(batch.f("ix_pipeline_gift_accounting_export_id"))
        batch.drop_column("accounting_export_id")
    op.drop_table("pipeline_accounting_export")
