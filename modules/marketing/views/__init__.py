"""The marketing blueprint, mounted at /marketing/. Each file holds one area
and registers its routes on `bp` when imported here. `public.py` and
`join.py` serve the pages people open from email or the organisation's
website, without signing in."""

from flask import Blueprint

bp = Blueprint("marketing", __name__, template_folder="../templates")

from modules.marketing.views import (  # noqa: E402,F401
    bounces,
    campaign_send,
    campaigns,
    contact,
    join,
    layouts,
    overview,
    public,
    senders,
    sending,
    sequence_steps,
    sequences,
    suppressions,
    topics,
    tracking,
    web_view,
    webhooks,
)
