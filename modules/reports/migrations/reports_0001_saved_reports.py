"""saved builder reports and the roles they are shared with

Revision ID: reports_0001
Revises:
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

revision = 'reports_0001'
down_revision = None
branch_labels = ('reports',)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        'reports_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('spec', sa.JSON(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reports_report_owner', 'reports_report', ['owner_id', 'name'], unique=False)
    op.create_table(
        'reports_report_share',
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports_report.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('report_id', 'role_id'),
    )
    op.create_index('ix_reports_report_share_role', 'reports_report_share', ['role_id', 'report_id'], unique=False)


def downgrade():
    op.drop_index('ix_reports_report_share_role', table_name='reports_report_share')
    op.drop_table('reports_report_share')
    op.drop_index('ix_reports_report_owner', table_name='reports_report')
    op.drop_table('reports_report')
