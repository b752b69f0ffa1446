"""daily gift totals for the dashboard chart

Revision ID: pipeline_0007
Revises: pipeline_0006
Create Date: 2026-12-06

The chart summed two fiscal years of gifts on every dashboard view; it now
reads one row per day and currency from pipeline_gift_day, which the gift
service keeps in step. The table is filled from the gifts already there.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0007"
down_revision = "pipeline_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pipeline_gift_day',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('gifts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'day', name=op.f('pk_pipeline_gift_day'))
    )
    op.execute("INSERT INTO pipeline_gift_day (currency, day, total, gifts) "
               "SELECT currency, received_on, SUM(amount), COUNT(*) FROM pipeline_gift "
               "GROUP BY currency, received_on")


def downgrade():
    op.drop_table('pipeline_gift_day')
