"""Campaigns, read-only: /campaigns. Their status and results (the figures
the campaign page shows, counted by tracking/stats.py). Writing and sending
stay on the pages, where the checklist and the preview are."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields as f
from sqlalchemy import select

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.marketing.campaign_models import CAMPAIGN_STATES, SEQUENCE_STEP, Campaign
from modules.marketing.tracking import stats

blp = Blueprint("api_marketing_campaigns", __name__, description="Email campaigns and their results (read-only)")
STATES = [s for s in CAMPAIGN_STATES if s != SEQUENCE_STEP]


class ResultsSchema(ma.Schema):
    class Meta:
        name = "CampaignResults"

    sent = f.Integer()
    delivered = f.Integer(metadata={"description": "Sent, less the messages that bounced."})
    bounced_hard = f.Integer()
    bounced_soft = f.Integer()
    complaints = f.Integer()
    unsubscribes = f.Integer()
    opened = f.Integer(metadata={"description": "People whose mail client showed the message (machine "
                                               "opens, such as Apple's privacy proxy, are not counted)."})
    clicked = f.Integer(metadata={"description": "People who clicked at least one link."})
    clicks = f.Integer(metadata={"description": "Every click."})


class CampaignSchema(ma.Schema):
    class Meta:
        name = "Campaign"

    id = f.Integer()
    name = f.String()
    subject = f.String()
    status = f.String(metadata={"description": f"One of: {', '.join(STATES)}."})
    topic_id = f.Integer(allow_none=True)
    scheduled_at = f.AwareDateTime(allow_none=True)
    started_at = f.AwareDateTime(allow_none=True)
    finished_at = f.AwareDateTime(allow_none=True)
    recipients_total = f.Integer()
    failed = f.Integer()
    results = f.Nested(ResultsSchema)
    created_at = f.AwareDateTime()


class CampaignQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = f.String(load_default=None, validate=ma.validate.OneOf(STATES))


CampaignPage = lists.page_schema(CampaignSchema, "CampaignPage")
ALLOWED = set(CampaignSchema().fields)


def show(campaign: Campaign, figures: stats.Stats) -> dict:
    return {"id": campaign.id, "name": campaign.name, "subject": campaign.subject, "status": campaign.status,
            "topic_id": campaign.topic_id, "scheduled_at": campaign.scheduled_at,
            "started_at": campaign.started_at, "finished_at": campaign.finished_at,
            "recipients_total": campaign.recipients_total or 0, "failed": campaign.failed_count or 0,
            "created_at": campaign.created_at,
            "results": {"sent": figures.sent, "delivered": figures.delivered, "bounced_hard": figures.bounce_hard,
                        "bounced_soft": figures.bounce_soft, "complaints": figures.complaint,
                        "unsubscribes": figures.unsubscribe, "opened": figures.open_human,
                        "clicked": figures.clicked, "clicks": figures.clicks}}


@blp.route("/campaigns")
@permission_required("marketing.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(CampaignQuery, location="query", as_kwargs=False)
@blp.response(200, CampaignPage)
def index(paging, query):
    """Campaigns, oldest first (drip sequences' steps are not campaigns here)."""
    stmt = select(Campaign).where(Campaign.status != SEQUENCE_STEP)
    if query["status"]:
        stmt = stmt.where(Campaign.status == query["status"])
    rows, cursor = lists.by_id(stmt, Campaign.id, paging["after"], paging["limit"])
    figures = stats.for_campaigns(rows)  # two grouped queries a page
    return lists.envelope([show(c, figures[c.id]) for c in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/campaigns/<id:campaign_id>")
@permission_required("marketing.view")
@blp.response(200, CampaignSchema)
def read(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status == SEQUENCE_STEP:
        problems.abort_with(404, "Not found", f"There is no campaign {campaign_id}.")
    data = show(campaign, stats.for_campaigns([campaign])[campaign.id])
    return data, 200, {"ETag": writes.etag_of(data)}
