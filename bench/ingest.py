"""The helpdesk's ingest rate (issue 11: at least 50 messages a second
parsed, threaded and stored, one worker): the Maildir corpus of
bench/mail_corpus.py, taken message by message through the core intake's
`app.intake.take`, the call the IMAP poll makes for each message it
fetches (app/intake/imap.py), in one process, into a mailbox of the kind
"Helpdesk tickets" made with `flask helpdesk mailbox add`.

The rate is messages fed per second of reading them from the Maildir and
taking them; the bench's own look-ups (a ticket's number for a reply that
quotes it) are left out of the time. Then the counts are checked, so a
broken ingest cannot report a fast rate: every message stored once and
handled, one new ticket per new conversation and no other, each reply,
out-of-office and reply to a seeded ticket on the ticket it answers,
each bounce noted on the right ticket, a second delivery taken as
"already had". `problems` lists what did not hold.

`make bench` runs it after the import; on its own, with a small size:

    .venv/bin/python -m bench.ingest 500

makes a scratch SQLite database and Redis under build/bench/ingest-check/.
"""

from __future__ import annotations

import json
import mailbox
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.cli import flask
from bench.settings import BUILD, ROOT

VERSION = 1  # in the corpus folder's name: bump when mail_corpus writes other messages
MAILBOX = "Bench intake"
TEAM = "Supporter care"  # a team of the helpdesk's seed (it acknowledges new tickets)
TOKEN = re.compile(rb"@@TICKET:([^@\s]+@[^@\s]+?)@@")
SEEDED_REPLIES = 300
KNOWN_CONTACTS = 300


def _seeded() -> tuple[list[dict], list[list[str]]]:
    """Agent replies of seeded tickets that are not closed, and known contacts."""
    from sqlalchemy import select

    from app.extensions import db
    from modules.contacts.models import Contact
    from modules.helpdesk.models import CLOSED, MERGED, OUT, Ticket, TicketMessage

    rows = db.session.execute(
        select(TicketMessage.message_id, TicketMessage.ticket_id, TicketMessage.to, Ticket.subject)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(TicketMessage.direction == OUT, TicketMessage.message_id.is_not(None), TicketMessage.to != "",
               Ticket.status.not_in((CLOSED, MERGED)))
        .order_by(TicketMessage.id).limit(SEEDED_REPLIES)).all()
    people = db.session.execute(select(Contact.email, Contact.first_name, Contact.last_name).where(
        Contact.deleted_at.is_(None), Contact.email.is_not(None), Contact.email != "")
        .order_by(Contact.id).limit(KNOWN_CONTACTS)).all()
    return ([{"message_id": r[0], "ticket_id": r[1], "to": r[2], "subject": r[3]} for r in rows],
            [list(p) for p in people])


def _number_of(message_id: str, cache: dict) -> int | None:
    from sqlalchemy import select

    from app.extensions import db
    from modules.helpdesk.models import Ticket, TicketMessage

    if message_id not in cache:
        ticket_id = db.session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.message_id == message_id))
        cache[message_id] = db.session.get(Ticket, ticket_id).number if ticket_id else None
    return cache[message_id]


def feed(folder: Path, count: int, seed: int) -> dict:
    from app import create_app

    with create_app().app_context():
        return feed_in_app(folder, count, seed)


def feed_in_app(folder: Path, count: int, seed: int, mailbox_name: str = MAILBOX) -> dict:
    """In an app context: write the corpus if needed, take every message, check."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.intake import take
    from app.models import Mailbox
    from modules.helpdesk.models import Ticket

    if not (folder / "manifest.json").exists():
        from bench.mail_corpus import write

        seeded, contacts = _seeded()
        write(folder, count, seed, seeded, contacts)
    corpus = json.loads((folder / "manifest.json").read_text())
    box = mailbox.Maildir(folder, create=False)
    target = db.session.scalar(select(Mailbox).where(Mailbox.name == mailbox_name))
    tickets_before = db.session.scalar(select(func.count()).select_from(Ticket))
    numbers: dict[str, int | None] = {}
    taken, already, spent = [], 0, 0.0
    for uid, item in enumerate(corpus["messages"], 1):
        started = time.perf_counter()
        raw = box.get_bytes(item["key"])
        spent += time.perf_counter() - started
        if b"@@TICKET:" in raw:  # the number the customer read in the acknowledgement
            raw = TOKEN.sub(lambda m: str(_number_of(m.group(1).decode(), numbers)).encode(), raw)
        started = time.perf_counter()
        inbound = take(target, raw, last_uid=uid)
        spent += time.perf_counter() - started
        if inbound is None:
            already += 1
        else:
            taken.append(inbound.id)
        db.session.expire_all()  # as a poll's next message would find it
    tickets_made = db.session.scalar(select(func.count()).select_from(Ticket)) - tickets_before
    problems = check(corpus["messages"], target.id, tickets_made, already)
    fed = len(corpus["messages"])
    return {"messages": fed, "seconds": round(spent, 2), "messages_per_s": round(fed / spent, 1) if spent else None,
            "kinds": corpus["shape"]["kinds"], "corpus_bytes": corpus["shape"]["bytes"], "tickets_made": tickets_made,
            "already_had": already, "problems": problems}


def check(messages: list[dict], mailbox_id: int, tickets_made: int, already: int) -> list[str]:
    """What did not become what it should (empty when all did)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import InboundMessage
    from modules.helpdesk.models import Ticket, TicketMessage

    problems: list[str] = []
    kinds = [m["kind"] for m in messages]
    unique = len(messages) - kinds.count("again")
    if already != kinds.count("again"):
        problems.append(f"{already} messages taken as already had; {kinds.count('again')} were delivered twice")
    statuses = dict(db.session.execute(select(InboundMessage.status, func.count()).where(
        InboundMessage.mailbox_id == mailbox_id).group_by(InboundMessage.status)).all())
    if statuses != {InboundMessage.HANDLED: unique}:
        problems.append(f"stored messages by status {statuses}; expected {unique} handled")
    if tickets_made != kinds.count("new"):
        problems.append(f"{tickets_made} tickets made; expected {kinds.count('new')} (one per new conversation)")
    ids = [m["id"] for m in messages if m["kind"] != "again"]
    where: dict[str, list[int]] = {}
    for start in range(0, len(ids), 500):
        for mid, ticket_id in db.session.execute(select(TicketMessage.message_id, TicketMessage.ticket_id).where(
                TicketMessage.message_id.in_(ids[start:start + 500]))):
            where.setdefault(mid, []).append(ticket_id)
    outcomes = dict(db.session.execute(select(InboundMessage.message_key, InboundMessage.outcome).where(
        InboundMessage.mailbox_id == mailbox_id)).all())
    numbers = {}
    wrong: dict[str, int] = {}
    for m in messages:
        kind, found = m["kind"], where.get(m["id"], [])
        if kind == "again":
            continue
        if kind in ("bounce", "stray"):
            ok = not found
            if ok and kind == "bounce":
                number = numbers.setdefault(m["ticket_id"], db.session.get(Ticket, m["ticket_id"]).number)
                ok = outcomes.get(m["id"], "").startswith(f"bounce of our reply noted on ticket #{number}")
            elif ok:
                ok = outcomes.get(m["id"], "").startswith("a bounce of no message of ours")
        elif len(found) != 1:
            ok = False
        elif kind == "new":
            ok = True
        else:
            expected = m.get("ticket_id") or (where.get(m["conversation"]) or [None])[0]
            ok = found[0] == expected
        if not ok:
            wrong[kind] = wrong.get(kind, 0) + 1
    problems += [f"{n} “{kind}” messages not where they belong" for kind, n in sorted(wrong.items())]
    new_tickets = {where[m["id"]][0] for m in messages if m["kind"] == "new" and len(where.get(m["id"], [])) == 1}
    if len(new_tickets) != kinds.count("new"):
        problems.append(f"{kinds.count('new')} new conversations landed on {len(new_tickets)} tickets")
    return problems


def measure(env: dict, run_dir: Path, count: int, seed: int, seed_key: str) -> dict | None:
    """Set up the mailbox with the shell command, then feed in one process."""
    folder = BUILD / "ingest" / f"{seed_key}-{count}-v{VERSION}"
    log = run_dir / "commands.log"
    flask(["helpdesk", "mailbox", "add", MAILBOX, "--address", "support@bench-desk.example", "--team", TEAM],
          env, log)
    print(f"bench: ingesting {count:,} messages from a Maildir through the intake, one process…", flush=True)
    done = subprocess.run([sys.executable, "-m", "bench.ingest", "feed", str(folder), str(count), str(seed)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ python -m bench.ingest feed (exit {done.returncode})\n{done.stdout[-5000:]}"
                  f"{done.stderr[-5000:]}\n")
    if done.returncode != 0:
        raise RuntimeError(f"bench.ingest failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def standalone(count: int) -> dict:
    """A scratch database (SQLite, 2,000 contacts) and Redis, then `measure`."""
    import secrets

    from bench import servers

    run_dir = BUILD / "ingest-check"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "instance").mkdir(parents=True)
    redis = servers.EmbeddedRedis(run_dir / "redis")
    try:
        env = servers.app_env(instance=run_dir / "instance", redis_url=redis.url, secret_key=secrets.token_urlsafe(32),
                              database_url=None, modules=None)
        log = run_dir / "commands.log"
        flask(["db", "upgrade"], env, log)
        flask(["seed", "--contacts", "2000"], env, log)
        shutil.rmtree(run_dir / "corpus", ignore_errors=True)
        return measure(env, run_dir, count, 1, "check")
    finally:
        redis.stop()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "500"
    if command == "feed":
        print(json.dumps(feed(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    else:
        print(json.dumps(standalone(int(command)), indent=2))
