"""Two gunicorn workers and the RQ worker write to one SQLite file at the
same time (issue 4), and nobody notices: every request succeeds, every write
is in the database afterwards, and "database is locked" never reaches a user
or a log.

Signed-in clients, each in its own thread, go through the real forms with
their CSRF tokens: create a person, log a note on it and on a contact they
all share, and edit the person inline (HTMX). Meanwhile an admin adds six
tags to every contact with the bulk action: a background job each, which
the worker runs chunk by chunk. The clients keep going until every job is
done (at least MIN_SECONDS, at most MAX_SECONDS), so the web and the worker
write together. Nothing here measures time."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from contextlib import closing

from tests.load.client import LOCKED, Browser, Record
from tests.load.conftest import EMAIL, PASSWORD, SEEDED

CLIENTS = 4
MIN_SECONDS, MAX_SECONDS = 3, 15
JOBS_WITHIN = 120  # a deadline against hanging, not a timing assertion
TAGS = tuple(f"Load {letter}" for letter in "ABCDEF")
DOMAIN = "loadtest.example.org"
HX = {"HX-Request": "true"}
ENDED = ("finished", "failed")
CONTACT_RE = re.compile(r"/contacts/(\d+)$")
JOB_RE = re.compile(r"/contacts/bulk/jobs/(\d+)$")


def query(site, sql: str, *args) -> list[tuple]:
    with closing(sqlite3.connect(site.database, timeout=30)) as conn:
        return conn.execute(sql, args).fetchall()


class Client(threading.Thread):
    """One signed-in user writing through the forms until told to stop."""

    def __init__(self, number: int, site, record: Record, hub: int, stop: threading.Event):
        super().__init__(name=f"client-{number}", daemon=True)
        self.n, self.site, self.record, self.hub, self.stop = number, site, record, hub, stop
        self.created: dict[int, str] = {}  # contact id -> email
        self.first_names: dict[int, str] = {}  # contact id -> first name after its last edit
        self.notes: list[tuple[int, str]] = []  # (contact id, subject)

    def run(self) -> None:
        try:
            browser = Browser(self.site.port, self.record)
            browser.login(EMAIL, PASSWORD)
            round_ = 0
            while not self.stop.is_set():
                round_ += 1
                self.one_round(browser, round_)
        except Exception as error:  # noqa: BLE001 - reported as a failure of the test
            self.record.fail(f"{self.name} stopped: {error!r}")

    def one_round(self, browser: Browser, round_: int) -> None:
        tag = f"{self.n}.{round_}"
        email = f"person{tag}@{DOMAIN}"
        created = browser.post("/contacts/new?kind=person", {
            "first_name": f"Load{self.n}", "last_name": f"Person {tag}", "owner_id": "",
            "emails-0-email": email, "phones-0-number": "+1 202 555 0143", "addresses-0-city": "Leeds"})
        match = CONTACT_RE.search(created.location)
        if created.status != 303 or not match:
            return
        contact_id = int(match.group(1))
        self.created[contact_id] = email
        page = f"/contacts/{contact_id}"
        for target, subject in ((contact_id, f"Load note {tag}"), (self.hub, f"Hub note {tag}")):
            logged = browser.post(f"/contacts/{target}/timeline", {
                "entry-kind": "note", "entry-subject": subject, "entry-body": "Written under load.",
                "entry-occurred_at": "2024-03-05T09:00"}, page=page)
            if logged.status == 303:
                self.notes.append((target, subject))
        first = f"Edited{self.n}x{round_}"
        edited = browser.post(f"/contacts/{contact_id}/edit?section=identity", {
            "first_name": first, "last_name": f"Person {tag}", "owner_id": "", "notes": f"Edited in round {round_}"},
            page=page, expect=(200,), headers=HX)
        if edited.status == 200 and edited.trigger == "contact-changed":
            self.first_names[contact_id] = first
        browser.get(f"/contacts/?q=Person+{self.n}", expect=(200,))


def start_bulk_tagging(admin: Browser, record: Record) -> list[int]:
    """Create TAGS in the admin pages and add each to every contact with the
    bulk action (the confirmation page first, as a user would); returns the jobs."""
    jobs = []
    for name in TAGS:
        admin.post("/contacts/admin/tags/new", {"name": name, "colour": "teal"}, page="/contacts/admin/tags")
        chooser = admin.get("/contacts/bulk?action=tag_add&scope=all&match=all").body
        option = re.search(rf'<option value="(\d+)">{name}</option>', chooser)
        if not option:
            record.fail(f"the tag {name} is not offered for the bulk action")
            continue
        confirm = f"/contacts/bulk?action=tag_add&scope=all&match=all&param={option.group(1)}"
        started = admin.post("/contacts/bulk", {"action": "tag_add", "scope": "all", "match": "all",
                                                "param": option.group(1)}, page=confirm)
        if job := JOB_RE.search(started.location):
            jobs.append(int(job.group(1)))
    return jobs


def job_states(site, jobs: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(jobs))
    return dict(query(site, f"SELECT id, status FROM core_job WHERE id IN ({marks})", *jobs))


def test_web_and_worker_write_together_and_nothing_is_lost(site):
    record = Record()
    admin = Browser(site.port, record)
    admin.login(EMAIL, PASSWORD)
    hub_page = admin.post("/contacts/new?kind=organisation", {"name": "Shared Hub", "owner_id": ""})
    hub = int(CONTACT_RE.search(hub_page.location).group(1))

    stop = threading.Event()
    clients = [Client(n, site, record, hub, stop) for n in range(1, CLIENTS + 1)]
    for client in clients:
        client.start()
    jobs: list[int] = []
    try:
        jobs = start_bulk_tagging(admin, record)
        started = time.monotonic()
        while time.monotonic() - started < MAX_SECONDS:
            states = job_states(site, jobs)
            pending = [job_id for job_id in jobs if states.get(job_id) not in ENDED]
            if pending:  # its progress fragment, as HTMX polls it
                admin.get(f"/contacts/bulk/jobs/{pending[0]}", headers=HX)
            elif time.monotonic() - started >= MIN_SECONDS:
                break
            time.sleep(0.2)
    except Exception as error:  # noqa: BLE001 - reported with the other failures below
        record.fail(f"the admin stopped: {error!r}")
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
    assert not any(client.is_alive() for client in clients), "a client hung"
    assert record.failures == []
    assert len(jobs) == len(TAGS)
    deadline = time.monotonic() + JOBS_WITHIN
    while any(state not in ENDED for state in job_states(site, jobs).values()):
        assert time.monotonic() < deadline, f"jobs did not finish: {job_states(site, jobs)}"
        time.sleep(0.2)
    site.stop()  # flushes and closes the logs

    # Every request succeeded, and no page mentioned the lock.
    posts = [e for e in record.exchanges if e.method == "POST"]
    assert len(posts) >= CLIENTS * 4 + 2 * len(TAGS)
    assert not any(LOCKED in e.body.lower() for e in record.exchanges)

    # No write was lost: every contact, note and edit a client saw succeed is there, once.
    created = {cid: email for c in clients for cid, email in c.created.items()}
    assert created, "no contact was created"
    rows = {cid: (email, first) for cid, email, first in query(
        site, "SELECT c.id, c.email, c.first_name FROM contacts_contact c "
              "WHERE c.email LIKE ? AND c.deleted_at IS NULL", f"%@{DOMAIN}")}
    assert {cid: email for cid, (email, _) in rows.items()} == created
    for client in clients:
        for cid, first in client.first_names.items():
            assert rows[cid][1] == first
    notes = [note for c in clients for note in c.notes]
    assert len(notes) == 2 * len(created)
    stored = query(site, "SELECT contact_id, subject FROM contacts_activity WHERE kind = 'note' "
                         "AND (subject LIKE 'Load note %' OR subject LIKE 'Hub note %')")
    assert sorted(stored) == sorted(notes)
    created_entries = query(site, "SELECT count(*) FROM contacts_activity a JOIN contacts_contact c "
                                  "ON c.id = a.contact_id WHERE c.email LIKE ? AND a.subject = 'Created person'",
                            f"%@{DOMAIN}")
    assert created_entries == [(len(created),)]

    # Every background job finished and wrote everything: its tag on every
    # seeded contact, with a timeline and an audit entry for each one tagged.
    seeded = {cid for (cid,) in query(site, "SELECT id FROM contacts_contact WHERE email IS NULL OR email NOT LIKE ?",
                                      f"%@{DOMAIN}") if cid != hub}
    assert len(seeded) == SEEDED
    for job_id, name in zip(jobs, TAGS, strict=True):
        [(status, error, result)] = query(site, "SELECT status, error, result FROM core_job WHERE id = ?", job_id)
        assert (status, error) == ("finished", None)
        changed = json.loads(result)["changed"]
        tagged = {cid for (cid,) in query(site, "SELECT ct.contact_id FROM contacts_contact_tag ct "
                                                "JOIN contacts_tag t ON t.id = ct.tag_id WHERE t.name = ?", name)}
        assert seeded <= tagged and len(tagged) == changed
        assert query(site, "SELECT count(*) FROM contacts_activity WHERE subject = ?",
                     f"Tagged “{name}”") == [(changed,)]
        assert query(site, "SELECT count(*) FROM core_audit WHERE summary LIKE ?",
                     f"Added the tag “{name}” to %") == [(changed,)]

    # Nor did the lock show up in the servers' logs.
    for log in ("gunicorn.err", "worker.err", "worker.out"):
        text = site.log(log)
        for bad in (LOCKED, "OperationalError", "Traceback"):
            assert bad not in text, f"{log} mentions {bad}:\n{text[-3000:]}"
    assert f"Job OK (steward-job-{jobs[-1]})" in site.log("worker.err") + site.log("worker.out")
