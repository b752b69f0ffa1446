"""indexes on gifts' tribute and opportunity foreign keys

Deleting a contact (purge, merge, import undo) or an opportunity sets these
columns to NULL in the gifts that point at it; without an index each delete
scanned the gifts table (an import undo on PostgreSQL: 307 s, with it 28 s).

Revision ID: pipeline_0005
Revises: pipeline_0004
Create Date: 2026-11-22

"""
from alembic import op

revision = "pipeline_0005"
down_revision = "pipeline_0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pipeline_gift", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_gift_tribute_notify", ["tribute_notify_id"], unique=False)
        batch_op.create_index("ix_pipeline_gift_opportunity", ["opportunity_id"], unique=False)


def downgrade():
    with op.batch_alter_table("pipeline_gift", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_gift_opportunity")
        batch_op.drop_index("ix_pipeline_gift_tribute_notify")
