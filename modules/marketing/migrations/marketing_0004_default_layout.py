"""marketing: the default campaign layout (header with the organisation's
name or logo; footer with its postal address and the unsubscribe and
preferences links the send checklist asks for)

Revision ID: marketing_0004_default_layout
Revises: marketing_0003_bounces
Create Date: 2026-12-07
"""
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "marketing_0004_default_layout"
down_revision = "marketing_0003_bounces"
branch_labels = None
depends_on = None

NAME = "Standard"


def upgrade():
    body = (Path(__file__).resolve().parent.parent / "default_layout.html").read_text(encoding="utf-8")
    layout = sa.table("marketing_layout", sa.column("name", sa.String), sa.column("body", sa.Text),
                      sa.column("format", sa.String), sa.column("is_default", sa.Boolean),
                      sa.column("updated_at", sa.DateTime))
    op.bulk_insert(layout, [{"name": NAME, "body": body, "format": "html", "is_default": True,
                             "updated_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    op.execute(sa.text("DELETE FROM marketing_layout WHERE name = :name").bindparams(name=NAME))
