"""hello: greetings

Revision ID: hello_0001
Revises:
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "hello_0001"
down_revision = None  # the first revision of the module's own branch
branch_labels = ("hello",)
depends_on = "core_0001"  # the core's tables exist before this runs


def upgrade():
    op.create_table(
        "hello_greeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_greeting")),
    )


def downgrade():
    op.drop_table("hello_greeting")
