"""The campaign send rate: a campaign of BENCH_SEND_RECIPIENTS (100,000)
recipients, with merge fields in its subject and body, sent by one real
`flask worker` to an SMTP sink (aiosmtpd on loopback). Measures messages
per second (first to last message at the sink) and the worker's memory
(peak RSS and PSS of the worker and its work horse, sampled every half
second). Targets (issue 10): at least 300 messages/s, RSS under 150 MB.

`make bench` runs it after the import; on its own, with a small size:

    .venv/bin/python -m bench.send_rate 2000

makes a scratch SQLite database and Redis under build/bench/send/ for the
check. The recipients are written straight into the recipient table (the
audience freeze is measured separately), cycling over up to 1,000 contacts
for the merge fields; each row has its own address at the sink.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import memory, servers
from bench.cli import flask
from bench.settings import BUILD, ROOT

SUBJECT = "News for {{ contact.first_name | default('friend') }}"
BODY = ("Dear {{ contact.first_name | default('friend') }} {{ contact.last_name }},\n\n"
        "Thank you for standing with us this year. **Here is what you made possible.**\n\n"
        "- 1,200 meals\n- 40 new volunteers\n\n[Read the report](https://example.org/report)")
CHUNK = 10_000


class Sink:
    """Counts what arrives; keeps no message (its memory stays flat too)."""

    def __init__(self):
        self.count = 0
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"


def prepare(recipients: int) -> dict:
    """In the app (a subprocess with the run's environment): the campaign,
    its recipient rows, and its job queued."""
    from sqlalchemy import insert, select

    from app import create_app
    from app.extensions import db
    from app.models.base import utcnow
    from modules.contacts.models import Contact
    from modules.marketing.campaign_models import Campaign, Recipient, Sender
    from modules.marketing.sending import control

    app = create_app()
    with app.app_context():
        contacts = list(db.session.scalars(select(Contact.id).where(Contact.deleted_at.is_(None))
                                           .order_by(Contact.id).limit(1000)))
        if not contacts:
            raise SystemExit("bench.send_rate: the database has no contacts; seed it first")
        sender = db.session.scalar(select(Sender).where(Sender.email == "bench@sink.example")) or \
            Sender(name="Bench", email="bench@sink.example", verified_at=utcnow())
        campaign = Campaign(name=f"Send-rate bench {utcnow():%Y-%m-%d %H:%M}", subject=SUBJECT, body=BODY,
                            format="markdown", sender=sender, status="draft")
        db.session.add(campaign)
        db.session.commit()
        started = time.perf_counter()
        for start in range(0, recipients, CHUNK):
            db.session.execute(insert(Recipient), [
                {"campaign_id": campaign.id, "contact_id": contacts[i % len(contacts)],
                 "email": f"r{i}@sink.example", "status": "queued", "attempts": 0, "variant": "", "error": ""}
                for i in range(start, min(recipients, start + CHUNK))])
            db.session.commit()
        last = db.session.scalar(select(Recipient.id).where(Recipient.campaign_id == campaign.id)
                                 .order_by(Recipient.id.desc()).limit(1))
        campaign.frozen_max_id, campaign.recipients_total = last, recipients
        db.session.commit()
        control.start(campaign.id)
        db.session.commit()
        return {"campaign_id": campaign.id, "insert_seconds": round(time.perf_counter() - started, 1)}


def outcome(campaign_id: int) -> dict:
    from app import create_app
    from app.extensions import db
    from modules.marketing.campaign_models import Campaign

    app = create_app()
    with app.app_context():
        c = db.session.get(Campaign, campaign_id)
        return {"status": c.status, "sent": c.sent_count, "failed": c.failed_count, "paused_reason": c.paused_reason}


def _in_app(args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.send_rate", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.send_rate {args[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(env: dict, run_dir: Path, recipients: int) -> dict:
    """Send a `recipients`-strong campaign through one worker to a local sink."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_USE_TLS": "", "MAIL_USE_SSL": "",
           "MAIL_USERNAME": "", "MAIL_PASSWORD": ""}
    worker = None
    try:
        print(f"bench: writing a campaign of {recipients:,} recipients…", flush=True)
        prepared = _in_app(["prepare", str(recipients)], env)
        worker = servers.start_worker(env, run_dir / "send-worker.log")
        deadline = time.monotonic() + 120 + recipients / 50
        largest = 0.0  # the largest single process: the work horse that sends
        with memory.PeakSampler({"worker": (worker.pid, True)}) as sampler:
            while sink.count < recipients:
                if worker.poll() is not None or time.monotonic() > deadline:
                    break
                largest = max(largest, _largest_rss(worker.pid))
                time.sleep(0.2)
            time.sleep(1)  # the last batch's commit
        result = _in_app(["outcome", str(prepared["campaign_id"])], env)
    finally:
        servers.stop(worker)
        controller.stop()
    seconds = (sink.last - sink.first) if sink.count > 1 else None
    peak = sampler.peak.get("worker", {"rss": None, "pss": None})
    return {"recipients": recipients, "received": sink.count, "seconds": round(seconds, 1) if seconds else None,
            "messages_per_s": round((sink.count - 1) / seconds) if seconds else None,
            "worker_peak_rss_mb": peak["rss"], "worker_peak_pss_mb": peak["pss"],
            "work_horse_peak_rss_mb": round(largest, 1),
            "recipient_rows_written_s": prepared["insert_seconds"], **result}


def _largest_rss(pid: int) -> float:
    """RSS (MB) of the largest process of the worker's tree (the worker and
    the work horse it forks share most pages, so their RSS cannot be added)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        sizes = [p.memory_info().rss for p in (parent, *parent.children(recursive=True))]
    except psutil.Error:
        return 0.0
    return max(sizes, default=0) / memory.MB


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def standalone(recipients: int) -> dict:
    """A scratch database (SQLite, a few contacts) and Redis, then `measure`."""
    import secrets

    run_dir = BUILD / "send"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "instance").mkdir(parents=True)
    redis = servers.EmbeddedRedis(run_dir / "redis")
    try:
        env = servers.app_env(instance=run_dir / "instance", redis_url=redis.url, secret_key=secrets.token_urlsafe(32),
                              database_url=None, modules=None)
        log = run_dir / "commands.log"
        flask(["db", "upgrade"], env, log)
        flask(["seed", "--contacts", "300"], env, log)
        return measure(env, run_dir, recipients)
    finally:
        redis.stop()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "2000"
    if command == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
    elif command == "outcome":
        print(json.dumps(outcome(int(sys.argv[2]))))
    else:
        print(json.dumps(standalone(int(command)), indent=2))
