"""letters fit to send: a fund's wording in letters, receipt numbers

Revision ID: pipeline_0010_letters
Revises: pipeline_0009
Create Date: 2026-12-06

`pipeline_fund.in_letters` is how a letter names the fund in a sentence
("our scholarship programme"); empty (every fund already there) means its
name. Receipt numbers: one counter row per calendar year and one number
per gift's thank-you letter, unique per year and per gift; a deleted gift
leaves its number behind so that it is never given again.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0010_letters"
down_revision = "pipeline_0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pipeline_fund", sa.Column("in_letters", sa.String(length=200), nullable=False,
                                             server_default=""))
    op.create_table(
        "pipeline_receipt_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_pipeline_receipt_counter")),
    )
    op.create_table(
        "pipeline_receipt_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("gift_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["gift_id"], ["pipeline_gift.id"],
                                name=op.f("fk_pipeline_receipt_number_gift_id_pipeline_gift"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_receipt_number")),
        sa.UniqueConstraint("gift_id", name=op.f("uq_pipeline_receipt_number_gift_id")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_pipeline_receipt_number_year")),
    )


def downgrade():
    op.drop_table("pipeline_receipt_number")
    op.drop_table("pipeline_receipt_counter")
    # Not a batch copy of the table: on SQLite that drops pipeline_fund, and
    # the gifts' ON DELETE SET NULL would forget their funds.
    op.execute("ALTER TABLE pipeline_fund DROP COLUMN in_letters")
