"""The logic Hello's views, widget and job share."""

from __future__ import annotations

from flask import render_template

from app import audit
from app.extensions import db
from app.jobs import job_progress
from steward_hello.models import Greeting

RECENT = 5
BATCH = 100


def recent(limit: int = 50) -> list[Greeting]:
    return db.session.scalars(db.select(Greeting).order_by(Greeting.id.desc()).limit(limit)).all()


def add(text: str) -> Greeting:
    """Add a greeting and its audit entry; the caller commits."""
    greeting = Greeting(text=text)
    db.session.add(greeting)
    db.session.flush()
    audit.record(audit.CREATE, greeting, summary=f"Added greeting “{text[:80]}”")
    return greeting


def widget_html() -> str:
    return render_template("hello/_widget.html", greetings=recent(RECENT))


def count_greetings(job, **_args) -> dict:
    """Background job: count greetings in batches (keyset), recording progress."""
    total = db.session.scalar(db.select(db.func.count(Greeting.id)))
    job_progress(job, 0, total, "Counting greetings")
    done, last_id, longest = 0, 0, 0
    while True:
        rows = db.session.execute(
            db.select(Greeting.id, Greeting.text).where(Greeting.id > last_id)
            .order_by(Greeting.id).limit(BATCH)
        ).all()
        if not rows:
            break
        done += len(rows)
        last_id = rows[-1].id
        longest = max(longest, *(len(r.text) for r in rows))
        job_progress(job, done, total)
    return {"greetings": done, "longest": longest}


def good_morning() -> str:
    """Recurring schedule: once a day, the worker notes when it last said
    good morning (a setting, so counting greetings stays what people added)."""
    from app import settings
    from app.models.base import utcnow

    settings.put("hello", {"last_good_morning": utcnow().isoformat(timespec="seconds")})
    return "said good morning"


def greeting_from_mail(message, inbound) -> str:
    """Mailbox handler: the subject of each message becomes a greeting."""
    subject = (message["subject"] or "").strip()
    if not subject:
        raise ValueError("a greeting needs a subject")
    add(subject[:200])
    return f"added the greeting “{subject[:80]}”"
