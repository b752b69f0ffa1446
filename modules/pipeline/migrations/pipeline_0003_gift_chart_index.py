"""covering index for sums of gifts over a period

Revision ID: pipeline_0003
Revises: pipeline_0002
Create Date: 2026-11-22

The dashboard's month-by-month chart sums two fiscal years of gifts in the
organisation's currency on every view, and the "total given" filters sum a
period's gifts by donor. With only (received_on, contact_id) the database read
a table row per gift for its currency and amount (~70,000 rows for the chart
at 100,000 contacts); (currency, received_on, contact_id, amount) answers both
from the index alone, in date order.
"""
from alembic import op

revision = "pipeline_0003"
down_revision = "pipeline_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pipeline_gift", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_gift_currency_date", ["currency", "received_on", "contact_id", "amount"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("pipeline_gift", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_gift_currency_date")
