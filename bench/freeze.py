"""The audience freeze (issue 10: 100,000 recipients in under 10 s on SQLite
and PostgreSQL): a draft campaign whose audience is a filter-builder rule
("Added" on or after a day, chosen so that about BENCH_FREEZE_RECIPIENTS
contacts with an address match; every contact when the data has fewer),
for the Newsletter topic (so its unsubscribed are left out), frozen
through the very step the sending job takes first,
`modules.marketing.freezing.freeze_in_job` (write the recipient rows, count
the exclusions, commit).

Run from the command line like the import, after the servers have
stopped: `python -m bench.freeze WANTED` in the run's environment prints
JSON: the freeze's own seconds, the whole command's, the rows written and
what was left out. The frozen campaign is then cancelled, so no worker
ever sends it (the "restart campaigns left sending" schedule would).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.settings import ROOT

OVERSHOOT = 1.15  # candidates per wanted recipient: some are left out (opted out, suppressed, duplicates)


def _audience(wanted: int) -> tuple[dict, str]:
    """The campaign's audience and a sentence saying what it is."""
    from sqlalchemy import select

    from app.extensions import db
    from modules.contacts.models import Contact

    live = (Contact.deleted_at.is_(None), Contact.email.is_not(None), Contact.email != "",
            Contact.do_not_email.is_(False))
    newest = db.session.scalar(select(Contact.created_at).where(*live).order_by(Contact.created_at.desc())
                               .offset(int(wanted * OVERSHOOT)).limit(1))
    if newest is None:
        return {"filters": ["has_email:yes:"], "match": "all"}, "every contact with an email address"
    day = newest.date().isoformat()
    return {"filters": [f"created:between:{day}.."], "match": "all"}, f"contacts added on or after {day}"


def freeze(wanted: int) -> dict:
    from app import create_app

    with create_app().app_context():
        return freeze_campaign(wanted)


def freeze_campaign(wanted: int) -> dict:
    """In an app context: make the campaign, freeze it (timed), check, cancel."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.base import utcnow
    from modules.marketing import freezing
    from modules.marketing.campaign_models import FREEZING, SENDING, Campaign, Recipient, Sender
    from modules.marketing.models import Topic
    from modules.marketing.sending import control

    audience, described = _audience(wanted)
    topic = db.session.scalar(select(Topic).where(Topic.slug == "newsletter")) or \
        db.session.scalar(select(Topic).order_by(Topic.id).limit(1))
    sender = db.session.scalar(select(Sender).where(Sender.email == "bench@sink.example")) or \
        Sender(name="Bench", email="bench@sink.example", verified_at=utcnow())
    campaign = Campaign(name=f"Freeze bench {utcnow():%Y-%m-%d %H:%M:%S}", subject="Freeze bench",
                        body="Hello {{ contact.first_name | default('friend') }}", format="markdown",
                        sender=sender, topic_id=topic.id if topic else None, audience=audience, excluded={},
                        status=FREEZING)
    db.session.add(campaign)
    db.session.commit()
    campaign_id = campaign.id
    started = time.perf_counter()
    ok = freezing.freeze_in_job(campaign)
    seconds = time.perf_counter() - started
    campaign = db.session.get(Campaign, campaign_id)
    rows = db.session.scalar(select(func.count()).select_from(Recipient)
                             .where(Recipient.campaign_id == campaign_id))
    result = {"frozen": ok and campaign.status == SENDING, "reason": campaign.paused_reason or "",
              "seconds": round(seconds, 2), "recipients": campaign.recipients_total or 0, "rows": rows,
              "excluded": {k: v for k, v in (campaign.excluded or {}).items() if v},
              "audience": described, "topic": topic.name if topic else None}
    if campaign.status == SENDING:
        control.cancel(campaign_id)
        db.session.commit()
    return result


def measure(env: dict, log: Path, wanted: int) -> dict:
    """`python -m bench.freeze WANTED` as one command: its JSON plus the whole
    command's seconds (app start-up included)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.freeze", str(wanted)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    command_seconds = time.perf_counter() - started
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ python -m bench.freeze {wanted}  ({command_seconds:.1f} s, exit {done.returncode})\n"
                  f"{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"bench.freeze failed:\n{(done.stdout + done.stderr)[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["frozen"] or result["rows"] != result["recipients"]:
        raise RuntimeError(f"bench.freeze: the freeze went wrong: {result}")
    return {"wanted": wanted, "command_seconds": round(command_seconds, 1), **result}


if __name__ == "__main__":
    print(json.dumps(freeze(int(sys.argv[1]))))
