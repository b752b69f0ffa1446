"""the organisation's postal address moves to the core

Revision ID: pipeline_0009
Revises: pipeline_0008
Create Date: 2026-12-06

Receipts kept the postal address as the pipeline setting
receipts_org_address; it is the organisation's, set in Admin → Organisation
and read by receipts, letters and campaign layouts alike, so it is now the
core setting postal_address. A value already there is moved, once.
"""
from alembic import op

revision = "pipeline_0009"
down_revision = "pipeline_0008"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO core_setting (module, key, value) "
               "SELECT 'core', 'postal_address', value FROM core_setting "
               "WHERE module = 'pipeline' AND key = 'receipts_org_address' AND NOT EXISTS "
               "(SELECT 1 FROM core_setting c WHERE c.module = 'core' AND c.key = 'postal_address')")
    op.execute("DELETE FROM core_setting WHERE module = 'pipeline' AND key = 'receipts_org_address'")


def downgrade():
    op.execute("INSERT INTO core_setting (module, key, value) "
               "SELECT 'pipeline', 'receipts_org_address', value FROM core_setting "
               "WHERE module = 'core' AND key = 'postal_address'")
