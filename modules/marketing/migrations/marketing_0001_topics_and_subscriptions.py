"""marketing: subscription topics, subscriptions, suppressions, preference
keys and pending sign-ups

Revision ID: marketing_0001
Revises:
Create Date: 2026-12-06

Needs the consent ledger's topic and IP columns (contacts_0009).
"""
import sqlalchemy as sa
from alembic import op

revision = 'marketing_0001'
down_revision = None
branch_labels = ('marketing',)
depends_on = 'contacts_0009'


def upgrade():
    op.create_table('marketing_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('consent_wording', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('on_preference_page', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_topic')),
    sa.UniqueConstraint('slug', name=op.f('uq_marketing_topic_slug'))
    )
    op.create_table('marketing_suppression',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_marketing_suppression_created_by_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_suppression')),
    sa.UniqueConstraint('email', name=op.f('uq_marketing_suppression_email'))
    )
    op.create_table('marketing_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_marketing_subscription_contact_id_contacts_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['marketing_topic.id'], name=op.f('fk_marketing_subscription_topic_id_marketing_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_subscription')),
    sa.UniqueConstraint('contact_id', 'topic_id', name=op.f('uq_marketing_subscription_contact_id'))
    )
    with op.batch_alter_table('marketing_subscription', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_subscription_topic_status', ['topic_id', 'status', 'contact_id'], unique=False)
    op.create_table('marketing_preference_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_marketing_preference_key_contact_id_contacts_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_preference_key')),
    sa.UniqueConstraint('key', name=op.f('uq_marketing_preference_key_key'))
    )
    with op.batch_alter_table('marketing_preference_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketing_preference_key_contact_id'), ['contact_id'], unique=False)
    op.create_table('marketing_pending_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_marketing_pending_signup_contact_id_contacts_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['marketing_topic.id'], name=op.f('fk_marketing_pending_signup_topic_id_marketing_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_pending_signup')),
    sa.UniqueConstraint('key', name=op.f('uq_marketing_pending_signup_key'))
    )
    with op.batch_alter_table('marketing_pending_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketing_pending_signup_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_pending_signup_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_pending_signup_topic_id'), ['topic_id'], unique=False)


def downgrade():
    op.drop_table('marketing_pending_signup')
    op.drop_table('marketing_preference_key')
    op.drop_table('marketing_subscription')
    op.drop_table('marketing_suppression')
    op.drop_table('marketing_topic')
