"""how letters greet and address a contact

Revision ID: contacts_0007_addressing
Revises: contacts_0006
Create Date: 2026-12-06

`salutation` ("Dr Hopper": "Dear Dr Hopper,") and `addressee` ("Dr and Mr
Hopper") override the rules letters follow (people/addressing.py); empty
for every contact already there, so the rules apply. A relationship marked
`is_primary` makes its person the organisation's primary contact, through
whom letters to the organisation are greeted and addressed.
"""
import sqlalchemy as sa
from alembic import op

revision = "contacts_0007_addressing"
down_revision = "contacts_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("contacts_contact", sa.Column("salutation", sa.String(length=100), nullable=False,
                                                server_default=""))
    op.add_column("contacts_contact", sa.Column("addressee", sa.String(length=200), nullable=False,
                                                server_default=""))
    op.add_column("contacts_relationship", sa.Column("is_primary", sa.Boolean(), nullable=False,
                                                     server_default=sa.false()))


def downgrade():
    # Plain ALTER TABLE: a batch copy would drop contacts_contact on SQLite,
    # and every ON DELETE CASCADE that points at it would fire.
    for table, column in (("contacts_relationship", "is_primary"), ("contacts_contact", "addressee"),
                          ("contacts_contact", "salutation")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
