"""external ids on gifts: a gift's id in other systems (Stripe, a website)

Revision ID: pipeline_0016_gift_external_ids
Revises: pipeline_0015_donor_year_rollup
Create Date: 2026-12-07

The shape of contacts_0010: one row per (system, id), unique per system so
that an id names one gift (`?external_id=stripe:pi_1` finds it), one id per
system per gift.
"""
import sqlalchemy as sa
from alembic import op

revision = "pipeline_0016_gift_external_ids"
down_revision = "pipeline_0015_donor_year_rollup"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pipeline_gift_external_id',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gift_id', sa.Integer(), nullable=False),
        sa.Column('system', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['gift_id'], ['pipeline_gift.id'],
                                name=op.f('fk_pipeline_gift_external_id_gift_id_pipeline_gift'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_gift_external_id')),
        sa.UniqueConstraint('system', 'value', name=op.f('uq_pipeline_gift_external_id_system')),
        sa.UniqueConstraint('gift_id', 'system', name=op.f('uq_pipeline_gift_external_id_gift_id')),
    )


def downgrade():
    op.drop_table('pipeline_gift_external_id')
