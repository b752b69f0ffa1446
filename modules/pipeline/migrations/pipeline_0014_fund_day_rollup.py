"""daily gift totals per fund and appeal, for the standard giving reports

Revision ID: pipeline_0014_fund_day_rollup
Revises: pipeline_0013_accounting
Create Date: 2026-12-07

Giving by fund, by appeal and by month read one row per day, currency,
fund and appeal (0 for none) from pipeline_gift_fund_day instead of a
year of gifts; the gift service keeps it in step with pipeline_gift_day.
The table is filled from the gifts already there.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0014_fund_day_rollup"
down_revision = "pipeline_0013_accounting"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pipeline_gift_fund_day',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('fund_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('appeal_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('gifts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'day', 'fund_id', 'appeal_id', name=op.f('pk_pipeline_gift_fund_day'))
    )
    op.execute("INSERT INTO pipeline_gift_fund_day (currency, day, fund_id, appeal_id, total, gifts) "
               "SELECT currency, received_on, COALESCE(fund_id, 0), COALESCE(appeal_id, 0), SUM(amount), COUNT(*) "
               "FROM pipeline_gift GROUP BY currency, received_on, COALESCE(fund_id, 0), COALESCE(appeal_id, 0)")


def downgrade():
    op.drop_table('pipeline_gift_fund_day')
