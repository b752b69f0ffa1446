"""donors' years summed per year, the indexes of the LYBUNT and SYBUNT lists, gifts per amount and day

Revision ID: pipeline_0017_donor_year_totals
Revises: pipeline_0016_gift_external_ids
Create Date: 2026-12-07

Retention and conversion counted a year's rows of pipeline_donor_year, six
years a report, and LYBUNT and SYBUNT summed every matching row to list the
hundred biggest: about a second at a million contacts. pipeline_donor_year_total
holds the sums per (year, next year, first year or not); it is filled here
from the rows already built, and kept with them from now on
(modules/pipeline/donor_years.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0017_donor_year_totals"
down_revision = "pipeline_0016_gift_external_ids"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pipeline_donor_year_total',
    sa.Column('start_month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('next_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first', sa.Boolean(), nullable=False),
    sa.Column('donors', sa.Integer(), nullable=False),
    sa.Column('multi', sa.Integer(), nullable=False),
    sa.Column('gifts', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('gifts_to_date', sa.Integer(), nullable=False),
    sa.Column('to_date', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('start_month', 'year', 'next_year', 'first', name=op.f('pk_pipeline_donor_year_total'))
    )
    op.create_index('ix_pipeline_donor_year_total', 'pipeline_donor_year', ['start_month', 'year', 'total', 'contact_id'])
    op.create_index('ix_pipeline_donor_year_to_date', 'pipeline_donor_year', ['start_month', 'to_date', 'contact_id'])
    op.execute(
        "INSERT INTO pipeline_donor_year_total (start_month, year, next_year, first, donors, multi, gifts, total, "
        "gifts_to_date, to_date) "
        "SELECT start_month, year, COALESCE(next_year, 0), first, COUNT(*), "
        "SUM(CASE WHEN gifts >= 2 THEN 1 ELSE 0 END), SUM(gifts), SUM(total), SUM(gifts_to_date), SUM(to_date) "
        "FROM pipeline_donor_year GROUP BY start_month, year, COALESCE(next_year, 0), first")


    op.create_table('pipeline_gift_amount_day',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('gifts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'day', 'amount', name=op.f('pk_pipeline_gift_amount_day'))
    )
    op.execute("INSERT INTO pipeline_gift_amount_day (currency, day, amount, gifts) "
               "SELECT currency, received_on, amount, COUNT(*) FROM pipeline_gift GROUP BY currency, received_on, amount")


def downgrade():
    op.drop_table('pipeline_gift_amount_day')
    op.drop_index('ix_pipeline_donor_year_to_date', table_name='pipeline_donor_year')
    op.drop_index('ix_pipeline_donor_year_total', table_name='pipeline_donor_year')
    op.drop_table('pipeline_donor_year_total')
