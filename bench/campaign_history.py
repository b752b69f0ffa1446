"""A campaign history of bench size (issue 10: the campaign pages at
1,000,000 contacts and 5,000,000 recipient rows). `flask seed` makes four
past campaigns to their topics' subscribers, about 1.3 recipient rows per
contact: enough for a demo. After it, the bench adds more past campaigns
the same way (modules/marketing/seed_history.py: recipient rows, their
delivered, bounce and unsubscribe events and clicks, the unsubscribed leaving
the topic, hard bounces suppressed) until the history holds
BENCH_CAMPAIGN_HISTORY rows per contact (5 by default; 0 adds none).

Run as `python -m bench.campaign_history ROWS_PER_CONTACT SEED` in the
run's environment; prints JSON: campaigns added, rows before and after.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta

MAX_CAMPAIGNS = 200  # a stop, should a topic have no subscribers left


def extend(per_contact: float, seed: int) -> dict:
    from app import create_app

    with create_app().app_context():
        return add_campaigns(per_contact, seed)


def add_campaigns(per_contact: float, seed: int) -> dict:
    """In an app context: past campaigns until the history is big enough."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.base import utcnow
    from modules.contacts.models import Contact
    from modules.marketing import seed_history
    from modules.marketing.campaign_models import Campaign, Recipient
    from modules.marketing.models import Topic

    contacts = db.session.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))
    wanted = int(per_contact * contacts)

    def rows() -> int:
        return db.session.scalar(select(func.count()).select_from(Recipient)) or 0

    before = have = rows()
    topics = list(db.session.scalars(select(Topic).order_by(Topic.id)))
    if not topics:
        return {"added": 0, "rows_before": before, "rows": have, "contacts": contacts}
    rng = random.Random(f"steward-bench-history:{seed}")
    sender = seed_history._sender()
    added = 0

    def progress(*_args, **_kwargs) -> None:
        pass

    while have < wanted and added < MAX_CAMPAIGNS:
        topic = topics[added % len(topics)]
        name = f"Bench history {added + 1}: {topic.name}"
        if not db.session.scalar(select(Campaign.id).where(Campaign.name == name)):
            at = utcnow() - timedelta(days=130 + 7 * added)  # older than the demo campaigns
            seed_history._campaign(name, topic, f"{topic.name} from Riverside, issue {added + 1}", at, sender,
                                   rng, progress)
        added += 1
        have = rows()
        print(f"  {name}: {have:,} of {wanted:,} recipient rows", file=sys.stderr, flush=True)
    if added:
        from app.dbstats import refresh_statistics

        seed_history.rebuild_rollup()
        refresh_statistics()  # as `flask seed` does after filling the tables
    return {"added": added, "rows_before": before, "rows": have, "contacts": contacts}


if __name__ == "__main__":
    print(json.dumps(extend(float(sys.argv[1]), int(sys.argv[2]))))
