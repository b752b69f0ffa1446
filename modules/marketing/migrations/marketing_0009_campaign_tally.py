"""marketing: campaign tallies (each campaign's results, kept as counters)

Revision ID: marketing_0009_campaign_tally
Revises: marketing_0008_engagement_rollup
Create Date: 2026-12-07

The campaign list and a campaign's page counted the distinct messages per
kind of event, and the clicks, on every view: hundreds of thousands of
events per campaign at a million contacts (about 600 ms for the list).
The tally keeps those counts per campaign and per link
(modules/marketing/tracking/tally.py). Filled here for every campaign from
its events and clicks, by grouped queries on the indexed columns.
"""
import sqlalchemy as sa
from alembic import op

revision = "marketing_0009_campaign_tally"
down_revision = "marketing_0008_engagement_rollup"
branch_labels = None
depends_on = None

KINDS = ("bounce_hard", "bounce_soft", "complaint", "unsubscribe", "open_human", "open_machine")


def _counter(name: str, type_=sa.Integer) -> sa.Column:
    return sa.Column(name, type_(), nullable=False, server_default="0")


def upgrade():
    tally = op.create_table(
        "marketing_campaign_tally",
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        *(_counter(kind) for kind in KINDS),
        _counter("clicked"),
        _counter("clicks", sa.BigInteger),
    )
    op.create_table(
        "marketing_link_tally",
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("marketing_link.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                  nullable=False),
        _counter("people"),
        _counter("clicks", sa.BigInteger),
    )
    op.create_index("ix_marketing_link_tally_campaign", "marketing_link_tally", ["campaign_id"])

    bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO marketing_campaign_tally (campaign_id) SELECT id FROM marketing_campaign"))
    event = sa.table("marketing_event", sa.column("campaign_id"), sa.column("recipient_id"), sa.column("kind"))
    counts: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for campaign_id, kind, n in bind.execute(
            sa.select(event.c.campaign_id, event.c.kind, sa.func.count(sa.distinct(event.c.recipient_id)))
            .where(event.c.kind.in_(KINDS)).group_by(event.c.campaign_id, event.c.kind)):
        counts[kind].append({"cid": campaign_id, "n": n})
    for kind, rows in counts.items():
        if rows:
            bind.execute(sa.update(tally).where(tally.c.campaign_id == sa.bindparam("cid"))
                         .values({kind: sa.bindparam("n")}), rows)
    click = sa.table("marketing_click", sa.column("campaign_id"), sa.column("recipient_id"), sa.column("link_id"),
                     sa.column("count"))
    rows = [{"cid": campaign_id, "people": people, "total": total or 0} for campaign_id, people, total in bind.execute(
        sa.select(click.c.campaign_id, sa.func.count(sa.distinct(click.c.recipient_id)), sa.func.sum(click.c.count))
        .group_by(click.c.campaign_id))]
    if rows:
        bind.execute(sa.update(tally).where(tally.c.campaign_id == sa.bindparam("cid"))
                     .values(clicked=sa.bindparam("people"), clicks=sa.bindparam("total")), rows)
    bind.execute(sa.text(
        "INSERT INTO marketing_link_tally (link_id, campaign_id, people, clicks) "
        "SELECT link_id, campaign_id, count(*), sum(count) FROM marketing_click GROUP BY link_id, campaign_id"))


def downgrade():
    op.drop_table("marketing_link_tally")
    op.drop_table("marketing_campaign_tally")
