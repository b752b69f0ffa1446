"""/marketing/: the topics with their subscriber counts, and the way to the
admin pages."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.permissions import permission_required
from modules.marketing import topics
from modules.marketing.models import SUBSCRIBED, Subscription
from modules.marketing.views import bp


def subscriber_counts() -> dict[int, int]:
    """{topic id: subscribed contacts}: one GROUP BY over the (topic, status) index."""
    return dict(db.session.execute(select(Subscription.topic_id, func.count()).where(
        Subscription.status == SUBSCRIBED).group_by(Subscription.topic_id)).all())


@bp.get("/")
@permission_required("marketing.view")
def index():
    return render_template("marketing/index.html", topics=topics.all_topics(), counts=subscriber_counts())
