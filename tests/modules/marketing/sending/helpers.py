"""Campaigns ready to send, built through the real services, and the jobs
run as a worker would (delayed continuations run at once, as if their time
had come)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.jobs import service as jobs
from app.models import Job
from modules.contacts.people import records
from modules.marketing.campaign_models import DRAFT, Campaign, Recipient, Sender
from modules.marketing.sending import control
from tests.browser.conftest import run_jobs


def make_campaign(app, n: int = 5, *, subject="News for {{ contact.first_name }}",
                  body="Dear {{ contact.first_name | default('friend') }}, thank you.",
                  start: bool = True, **sending) -> int:
    """A campaign frozen to `n` contacts person0..person<n-1>@example.org."""
    with app.app_context():
        if sending:
            settings.put("marketing", sending)
        sender = Sender(name="Friends of the Park", email="news@park.example.org", verified_at=db.func.now())
        db.session.add(sender)
        campaign = Campaign(name="Spring appeal", subject=subject, body=body, format="markdown", sender=sender,
                            status=DRAFT)
        db.session.add(campaign)
        db.session.flush()
        rows = []
        for i in range(n):
            details = records.Details(emails=[{"email": f"person{i}@example.org", "label": "", "is_primary": True}])
            contact = records.create("person", {"first_name": f"Name{i}", "last_name": "Test"}, details)
            rows.append(Recipient(campaign_id=campaign.id, contact_id=contact.id, email=f"person{i}@example.org"))
        db.session.add_all(rows)
        db.session.flush()
        campaign.frozen_max_id = max(r.id for r in rows)
        campaign.recipients_total = n
        db.session.commit()
        if start:
            control.start(campaign.id)
            db.session.commit()
        return campaign.id


def run_all(app, rounds: int = 10) -> int:
    """Run queued jobs until none is left, delayed ones included; returns how many runs."""
    runs = 0
    for _ in range(rounds):
        run_jobs(app)
        with app.app_context():
            waiting = list(db.session.scalars(select(Job.id).where(Job.status == Job.QUEUED)))
        if not waiting:
            return runs
        for job_id in waiting:
            with app.app_context():
                jobs.run(job_id)
                db.session.remove()
            runs += 1
    return runs


def campaign_state(app, campaign_id: int) -> dict:
    with app.app_context():
        c = db.session.get(Campaign, campaign_id)
        rows = db.session.execute(select(Recipient.status).where(Recipient.campaign_id == campaign_id)).scalars()
        return {"status": c.status, "sent": c.sent_count, "failed": c.failed_count, "cursor": c.cursor,
                "max": c.frozen_max_id, "reason": c.paused_reason, "rows": Counter(rows), "job_id": c.job_id}


def rows(app, campaign_id: int) -> dict[str, Recipient]:
    with app.app_context():
        found = {r.email: r for r in db.session.scalars(select(Recipient).where(Recipient.campaign_id == campaign_id))}
        for r in found.values():
            db.session.expunge(r)
        return found


def deliveries(smtp_server) -> Counter:
    """How many messages each address received."""
    return Counter(a for r in smtp_server.inbox.received for a in r.rcpt_tos)
