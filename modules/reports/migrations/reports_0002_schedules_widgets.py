"""report schedules (saved reports emailed weekly, monthly or quarterly) and dashboard widgets

Revision ID: reports_0002
Revises: reports_0001
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

revision = 'reports_0002'
down_revision = 'reports_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reports_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('frequency', sa.String(length=20), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('next_run_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['report_id'], ['reports_report.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reports_schedule_due', 'reports_schedule', ['active', 'next_run_at'], unique=False)
    op.create_table(
        'reports_widget',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('role_id', sa.Integer(), nullable=True),
        sa.Column('show', sa.String(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports_report.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reports_widget_user', 'reports_widget', ['user_id', 'position'], unique=False)
    op.create_index('ix_reports_widget_role', 'reports_widget', ['role_id', 'position'], unique=False)


def downgrade():
    op.drop_index('ix_reports_widget_role', table_name='reports_widget')
    op.drop_index('ix_reports_widget_user', table_name='reports_widget')
    op.drop_table('reports_widget')
    op.drop_index('ix_reports_schedule_due', table_name='reports_schedule')
    op.drop_table('reports_schedule')
