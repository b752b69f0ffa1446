"""Batch runs of letters: what the receipts page counts, and the job that
emails some, prints the rest into one PDF and records every letter."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from app import jobs, settings
from app.extensions import db
from app.models import AuditEntry, Job, MailMessage
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline.models import Acknowledgement, Gift
from modules.pipeline.receipts import batch
from modules.pipeline.receipts.scope import Scope, counts, unacknowledged_summary
from tests.conftest import counted_queries, csrf_from, login, make_user
from tests.modules.pipeline.test_receipts_letters import general_fund_id, give, make_donor, pdf_text


def _donors():
    """Three donors: one emailable, one who asked not to be emailed, one
    with no address; one gift each in 2025, one thanked already, one in 2024."""
    settings.put("core", {"org_name": "Riverside Food Bank"})
    ada = make_donor("Ada", "Lovelace", "ada@example.org")
    bob = make_donor("Bob", "Noemail", "bob@example.org", do_not_email=True)
    cy = make_donor("Cy", "Nomail", None)
    gifts = {
        "ada": give(ada, "10.00", date(2025, 3, 1), fund_id=general_fund_id()),
        "bob": give(bob, "20.00", date(2025, 4, 1)),
        "cy": give(cy, "30.00", date(2025, 5, 1), fund_id=general_fund_id()),
        "old": give(ada, "40.00", date(2024, 6, 1)),
        "thanked": give(cy, "50.00", date(2025, 7, 1)),
    }
    db.session.flush()
    from app.models.base import utcnow

    gifts["thanked"].acknowledged_at = utcnow()
    db.session.commit()
    return {"ada": ada.id, "bob": bob.id, "cy": cy.id}, {k: g.id for k, g in gifts.items()}


def test_the_scope_counts_letters_by_how_they_go(ctx):
    ids = _donors()
    assert counts(Scope(kind="thank_you")) == {"letters": 4, "email": 2, "print": 2}
    assert counts(Scope(kind="thank_you", date_from=date(2025, 1, 1))) == {"letters": 3, "email": 1, "print": 2}
    assert counts(Scope(kind="thank_you", fund_id=general_fund_id())) == {"letters": 2, "email": 1, "print": 1}
    assert counts(Scope(kind="thank_you", only_new=False)) == {"letters": 5, "email": 2, "print": 3}
    assert counts(Scope(kind="thank_you", use_email=False)) == {"letters": 4, "email": 0, "print": 4}
    assert counts(Scope(kind="statement", year=2025)) == {"letters": 3, "email": 1, "print": 2}
    assert counts(Scope(kind="statement", year=2024)) == {"letters": 1, "email": 1, "print": 0}
    count, totals, oldest = unacknowledged_summary()
    assert (count, {c: str(t) for c, t in totals.items()}, oldest) == (4, {"USD": "100.00"}, date(2024, 6, 1))
    # A donor in the trash: their gift no longer waits for a thank-you.
    donors, _ = ids
    records.trash([db.session.get(Contact, donors["bob"])])
    db.session.commit()
    count, totals, _ = unacknowledged_summary()
    assert (count, {c: str(t) for c, t in totals.items()}) == (3, {"USD": "80.00"})


def _run(app, client, data: dict) -> Job:
    token = csrf_from(client, "/pipeline/receipts/")
    response = client.post("/pipeline/receipts/", data={"csrf_token": token, **data})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        jobs.run(job_id)
        return db.session.get(Job, job_id)


@pytest.fixture
def staff_client(app, client):
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    login(client, "sam@example.org")
    return client


def test_a_thank_you_run_emails_some_prints_the_rest_and_acknowledges_every_gift(app, staff_client):
    with app.app_context():
        donors, gift_ids = _donors()
    page = staff_client.get("/pipeline/receipts/?kind=thank_you&only_new=y&use_email=y&date_from=2025-01-01")
    text = page.get_data(as_text=True)
    assert "3 letters</strong>" in text and "1 by email, 2 to print" in text

    job = _run(app, staff_client, {"kind": "thank_you", "date_from": "2025-01-01", "only_new": "y",
                                   "use_email": "y", "fund": "0", "template": "0"})
    assert job.status == "finished", job.error
    assert {k: job.result[k] for k in ("emailed", "printed", "failed", "pages")} == \
           {"emailed": 1, "printed": 2, "failed": 0, "pages": 2}
    with app.app_context():
        [message] = db.session.scalars(db.select(MailMessage)).all()
        assert message.recipient == "ada@example.org" and message.attachments[0].filename.endswith(".pdf")
        acks = db.session.scalars(db.select(Acknowledgement).order_by(Acknowledgement.gift_id)).all()
        assert [(a.gift_id, a.channel, a.mail_id is not None) for a in acks] == [
            (gift_ids["ada"], "email", True), (gift_ids["bob"], "download", False), (gift_ids["cy"], "download", False)]
        for key in ("ada", "bob", "cy"):
            assert db.session.get(Gift, gift_ids[key]).acknowledged_at is not None
        assert db.session.get(Gift, gift_ids["old"]).acknowledged_at is None  # before the date range
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.object_type == "pipeline_acknowledgement")) == 3

    # The letters to print: Bob (do not email) and Cy (no email), in one PDF.
    status = staff_client.get(f"/pipeline/receipts/runs/{job.id}").get_data(as_text=True)
    assert "Download the letters to print (PDF, 2 pages)" in status
    download = staff_client.get(f"/pipeline/receipts/runs/{job.id}/letters.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    reader = PdfReader(__import__("io").BytesIO(download.data))
    assert len(reader.pages) == 2
    assert "Bob Noemail" in reader.pages[0].extract_text() and "Cy Nomail" in reader.pages[1].extract_text()

    # Run again: everything in scope is acknowledged, so nothing is sent twice.
    page = staff_client.get("/pipeline/receipts/?kind=thank_you&only_new=y&use_email=y&date_from=2025-01-01")
    assert "No letters match." in page.get_data(as_text=True)
    token = csrf_from(staff_client, "/pipeline/receipts/")
    again = staff_client.post("/pipeline/receipts/", data={"csrf_token": token, "kind": "thank_you",
                                                           "date_from": "2025-01-01", "only_new": "y"},
                              follow_redirects=True)
    assert "Nothing to do: no letters match." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MailMessage.id))) == 1


def test_a_statement_run_sends_each_donor_their_year_once(app, staff_client):
    with app.app_context():
        donors, _ = _donors()
    job = _run(app, staff_client, {"kind": "statement", "year": "2025", "only_new": "y", "use_email": "y",
                                   "fund": "0", "template": "0"})
    assert (job.result["emailed"], job.result["printed"]) == (1, 2)
    with app.app_context():
        message = db.session.scalars(db.select(MailMessage)).one()
        assert message.subject == "Your 2025 giving statement from Riverside Food Bank"
        text = pdf_text(message.attachments[0].data)
        assert "Ada Lovelace" in text and "$10.00" in text and "$40.00" not in text  # 2024 is not in it
        acks = db.session.scalars(db.select(Acknowledgement)).all()
        assert sorted((a.contact_id, a.year, a.kind, a.gift_id) for a in acks) == sorted(
            (donors[k], 2025, "statement", None) for k in ("ada", "bob", "cy"))
    # Statements do not mark gifts thanked, and a second run has nobody left.
    with app.app_context():
        assert counts(Scope(kind="statement", year=2025)) == {"letters": 0, "email": 0, "print": 0}
        assert counts(Scope(kind="statement", year=2025, only_new=False))["letters"] == 3
        assert counts(Scope(kind="thank_you"))["letters"] == 4


def test_a_stopped_run_carries_on_where_it_stopped(app, ctx, monkeypatch):
    _donors()
    monkeypatch.setattr(batch, "CHUNK", 1)
    job = jobs.enqueue(batch.KIND, "test run", {"scope": Scope(kind="thank_you", use_email=False).to_args()})
    db.session.commit()
    real = batch._letters_for
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker was killed")
        return real(*args)

    monkeypatch.setattr(batch, "_letters_for", flaky)
    assert jobs.run(job.id) == "failed"
    job = db.session.get(Job, job.id)
    assert job.result["printed"] == 2
    jobs.retry(job)
    db.session.commit()
    assert jobs.run(job.id) == "finished"
    job = db.session.get(Job, job.id)
    assert (job.result["printed"], job.result["pages"]) == (4, 4)
    assert db.session.scalar(db.select(db.func.count(Acknowledgement.id))) == 4


def test_a_broken_template_is_reported_and_nothing_is_recorded_for_it(app, ctx):
    from modules.pipeline.models import ReceiptTemplate

    _donors()
    template = db.session.scalars(db.select(ReceiptTemplate).where(ReceiptTemplate.kind == "thank_you")).first()
    template.body = "<p>{{ gift.amount | int + 'x' }}</p>"
    db.session.commit()
    job = jobs.enqueue(batch.KIND, "test run", {"scope": Scope(kind="thank_you").to_args()})
    db.session.commit()
    assert jobs.run(job.id) == "finished"
    job = db.session.get(Job, job.id)
    assert job.result["failed"] == 4 and job.result["emailed"] == 0 and job.result["file"] is None
    assert job.result["problems"][0].startswith("Gift #")
    assert db.session.scalar(db.select(db.func.count(Acknowledgement.id))) == 0


def test_the_receipts_page_runs_a_bounded_number_of_queries(app, staff_client):
    def queries(n: int) -> int:
        with app.app_context():
            for i in range(n):
                person = make_donor(f"D{i}", "Donor", f"d{i}@example.org")
                give(person, "5.00", date(2025, 1, 1 + i % 28))
            db.session.commit()
        with counted_queries(app) as statements:
            assert staff_client.get("/pipeline/receipts/?kind=thank_you&only_new=y&use_email=y").status_code == 200
        return len(statements)

    assert queries(2) == queries(30)


def test_the_dashboard_shows_gifts_waiting_for_a_thank_you(app, staff_client):
    with app.app_context():
        _donors()
        records.create("person", {"first_name": "No", "last_name": "Gifts"})
        db.session.commit()
    text = staff_client.get("/").get_data(as_text=True)
    assert "Gifts waiting for acknowledgement" in text
    assert "<strong>4</strong> gifts waiting for a thank-you" in text
    assert "$100.00 in all · the oldest received 1 June 2024" in text
    assert "/pipeline/receipts/?kind=thank_you&amp;only_new=y&amp;use_email=y" in text


def test_a_tribute_run_writes_to_the_family_once(app, ctx):
    settings.put("core", {"org_name": "Riverside Food Bank"})
    donor = make_donor("Ada", "Lovelace", "ada@example.org")
    family = make_donor("Mary", "Hopper", "mary@example.org")
    quiet = make_donor("Tom", "Hopper", "tom@example.org", do_not_email=True)
    emailed = give(donor, "50.00", date(2026, 1, 5), tribute_kind="memory", tribute_name="Walter Hopper",
                   tribute_notify_id=family.id)
    printed = give(donor, "60.00", date(2026, 1, 6), tribute_kind="honour", tribute_name="June Hopper",
                   tribute_notify_id=quiet.id)
    give(donor, "70.00", date(2026, 1, 7), tribute_kind="memory", tribute_name="Nobody to tell")
    give(donor, "80.00", date(2026, 1, 8))
    db.session.commit()
    scope = Scope(kind="tribute")
    assert counts(scope) == {"letters": 2, "email": 1, "print": 1}
    job = jobs.enqueue(batch.KIND, "tributes", {"scope": scope.to_args()})
    db.session.commit()
    assert jobs.run(job.id) == "finished"
    message = db.session.scalars(db.select(MailMessage)).one()
    assert (message.recipient, message.subject) == ("mary@example.org", "A gift in memory of Walter Hopper")
    assert "Dear Mary," in message.text_body and "Ada Lovelace has made a gift" in message.text_body
    for gift in (emailed, printed):
        db.session.refresh(gift)
        assert gift.tribute_notified_at is not None and gift.acknowledged_at is None
    acks = db.session.scalars(db.select(Acknowledgement).order_by(Acknowledgement.id)).all()
    assert [(a.kind, a.contact_id, a.channel) for a in acks] == [("tribute", family.id, "email"),
                                                                 ("tribute", quiet.id, "download")]
    assert counts(scope)["letters"] == 0


def test_the_default_templates_migration_can_run_again(app, ctx):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from modules.pipeline.models import ReceiptTemplate

    path = Path(batch.__file__).parents[1] / "migrations" / "pipeline_0002_receipt_templates.py"
    spec = importlib.util.spec_from_file_location("pipeline_0002_again", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    before = db.session.execute(db.select(ReceiptTemplate.name, ReceiptTemplate.is_default)
                                .order_by(ReceiptTemplate.name)).all()
    db.session.remove()
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    after = db.session.execute(db.select(ReceiptTemplate.name, ReceiptTemplate.is_default)
                               .order_by(ReceiptTemplate.name)).all()
    assert after == before and len(after) == 3


def test_a_run_queues_its_emailed_letters_in_one_delivery_job(app, staff_client, monkeypatch):
    """Each letter has its own PDF, yet the run's emails go out in one
    delivery job per chunk, not a job per letter (DESIGN: a job handles a batch)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")  # delivery on: messages are queued, not held
    with app.app_context():
        for n in range(4):
            give(make_donor(f"Donor{n}", "Batch", f"donor{n}@example.org"), "5.00", date(2025, 2, 1 + n))
        db.session.commit()
    job = _run(app, staff_client, {"kind": "thank_you", "only_new": "y", "use_email": "y", "fund": "0",
                                   "template": "0"})
    assert job.status == "finished", job.error
    assert job.result["emailed"] == 4
    with app.app_context():
        messages = db.session.scalars(db.select(MailMessage).order_by(MailMessage.id)).all()
        assert len(messages) == 4 and all(m.next_attempt_at is not None for m in messages)
        assert len({m.attachments[0].filename for m in messages}) == 4  # a PDF of its own each
        deliveries = db.session.scalars(db.select(Job).where(Job.kind == "core.deliver_mail")).all()
        assert [d.args["ids"] for d in deliveries] == [[m.id for m in messages]]
