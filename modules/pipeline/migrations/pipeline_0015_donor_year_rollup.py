"""donors per fiscal year, for the retention reports

Revision ID: pipeline_0015_donor_year_rollup
Revises: pipeline_0014_fund_day_rollup
Create Date: 2026-12-07

pipeline_donor_year holds one row per donor and fiscal year with a gift
(counted from the fiscal-year start month, amounts in the currency, that
pipeline_donor_year_state records), with whether it was their first year,
the next year they gave, and their giving that year and up to it, so
retention, conversion, LYBUNT and SYBUNT read rows instead of every donor's
gifts. The gift service keeps it per donor touched. It starts empty, with
no state row: the reports read the gifts until `flask reports rebuild`
builds it (a database without gifts starts it with its first gift); see
modules/pipeline/donor_years.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0015_donor_year_rollup"
down_revision = "pipeline_0014_fund_day_rollup"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pipeline_donor_year',
    sa.Column('start_month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('gifts', sa.Integer(), nullable=False),
    sa.Column('first', sa.Boolean(), nullable=False),
    sa.Column('again', sa.Boolean(), nullable=False),
    sa.Column('next_year', sa.Integer(), nullable=True),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('to_date', sa.BigInteger(), nullable=False),
    sa.Column('gifts_to_date', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'],
                            name=op.f('fk_pipeline_donor_year_contact_id_contacts_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('start_month', 'year', 'contact_id', name=op.f('pk_pipeline_donor_year'))
    )
    op.create_index('ix_pipeline_donor_year_contact', 'pipeline_donor_year', ['contact_id'], unique=False)
    op.create_table('pipeline_donor_year_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('start_month', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_donor_year_state'))
    )


def downgrade():
    op.drop_table('pipeline_donor_year_state')
    op.drop_index('ix_pipeline_donor_year_contact', table_name='pipeline_donor_year')
    op.drop_table('pipeline_donor_year')
