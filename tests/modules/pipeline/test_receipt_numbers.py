"""Receipt numbers (issue 16, part 4): each gift's thank-you letter carries
a number per year of receipt, "2026-000042", the same on every copy, never
given twice and never reused after a delete, with no gap left by runs that
number gifts at the same moment (real threads on the test database: SQLite
here, PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from app import jobs, settings
from app.extensions import db
from app.models import Job
from modules.pipeline import gifts
from modules.pipeline.models import Gift, ReceiptCounter, ReceiptNumber, ReceiptTemplate
from modules.pipeline.receipts import batch, fields, letters, numbers
from modules.pipeline.receipts.scope import Scope
from tests.conftest import csrf_from, login, make_user
from tests.modules.pipeline.test_receipts_letters import give, make_donor, pdf_text

NUMBERED_BODY = "<p>Dear {{ donor.salutation }},</p><p>Receipt no. {{ gift.receipt_number }}.</p>"


def numbered_template() -> ReceiptTemplate:
    """A thank-you template that prints the receipt number, as the default."""
    db.session.execute(db.update(ReceiptTemplate).values(is_default=False))
    template = ReceiptTemplate(kind="thank_you", name="Numbered receipt", subject="Your receipt",
                               body=NUMBERED_BODY, is_default=True)
    db.session.add(template)
    db.session.flush()
    return template


def stored() -> list[tuple[int, int, int | None]]:
    return [tuple(row) for row in db.session.execute(
        select(ReceiptNumber.year, ReceiptNumber.number, ReceiptNumber.gift_id)
        .order_by(ReceiptNumber.year, ReceiptNumber.number))]


def test_numbers_run_in_sequence_per_year_of_receipt_and_stay_with_the_gift(ctx):
    donor = make_donor()
    late_2025 = give(donor, "10.00", date(2025, 12, 31))
    early = give(donor, "20.00", date(2026, 1, 2))
    later = give(donor, "30.00", date(2026, 3, 1))
    db.session.commit()
    assert numbers.assign([later.id, early.id, late_2025.id]) == 3
    db.session.commit()
    assert stored() == [(2025, 1, late_2025.id), (2026, 1, early.id), (2026, 2, later.id)]
    assert [numbers.number_of(g) for g in (late_2025, early, later)] == ["2025-000001", "2026-000001",
                                                                         "2026-000002"]
    # Asking again gives nothing new: the gifts keep theirs.
    assert numbers.assign([early.id, later.id]) == 0
    db.session.commit()
    assert db.session.scalar(select(ReceiptCounter.last).where(ReceiptCounter.year == 2026)) == 2
    loaded = letters.load_gifts([later.id])[0]
    assert fields.gift(loaded)["receipt_number"] == "2026-000002"


def test_a_rolled_back_run_gives_its_numbers_back(ctx):
    donor = make_donor()
    first, second = give(donor, "5.00", date(2026, 2, 1)), give(donor, "6.00", date(2026, 2, 2))
    db.session.commit()
    first_id, second_id = first.id, second.id
    numbers.assign([first_id])
    db.session.rollback()  # the letter never went out
    numbers.assign([second_id])
    db.session.commit()
    assert stored() == [(2026, 1, second_id)]  # no hole where the rolled-back number was


def test_deleting_a_gift_never_frees_its_number(ctx):
    donor = make_donor()
    doomed = give(donor, "5.00", date(2026, 2, 1))
    db.session.commit()
    numbers.assign([doomed.id])
    db.session.commit()
    doomed_id = doomed.id
    gifts.delete_gift(db.session.get(Gift, doomed_id))
    db.session.commit()
    after = give(donor, "7.00", date(2026, 2, 3))
    db.session.commit()
    numbers.assign([after.id])
    db.session.commit()
    assert stored() == [(2026, 1, None), (2026, 2, after.id)]


def test_the_database_refuses_a_number_twice_and_two_numbers_for_one_gift(ctx):
    donor = make_donor()
    one, two = give(donor, "5.00", date(2026, 2, 1)), give(donor, "6.00", date(2026, 2, 2))
    db.session.commit()
    ids = one.id, two.id
    db.session.add(ReceiptNumber(year=2026, number=7, gift_id=ids[0]))
    db.session.commit()
    db.session.add(ReceiptNumber(year=2026, number=7, gift_id=ids[1]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(ReceiptNumber(year=2026, number=8, gift_id=ids[0]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert stored() == [(2026, 7, ids[0])]


def _gate(parties: int):
    """Hold each thread at its first look for unnumbered gifts until all
    have looked, so every one of them sees the same gifts waiting."""
    barrier = threading.Barrier(parties, timeout=30)
    seen = threading.local()

    def wait(conn, cursor, statement, *args):
        if "pipeline_receipt_number" in statement and statement.lstrip().upper().startswith("SELECT") \
                and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()

    return wait


def test_runs_numbering_at_the_same_moment_never_share_or_skip_a_number(app):
    """Four runs, overlapping gift lists, at once: each gift is numbered
    once, and the year's numbers are 1..n without a gap."""
    with app.app_context():
        donor = make_donor()
        ids = [give(donor, "1.00", date(2026, 1, 1 + i % 28)).id for i in range(24)]
        db.session.commit()
    shares = [ids[0:10], ids[5:15], ids[10:20], ids[12:24]]
    given, errors = [0] * len(shares), []

    def run(i: int) -> None:
        try:
            with app.app_context():
                given[i] = numbers.assign(shares[i])
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (any failure of a run is what this test looks for)
            errors.append(f"run {i}: {type(error).__name__}: {error}")

    with app.app_context():
        engine = db.engine
    gate = _gate(len(shares))
    event.listen(engine, "before_cursor_execute", gate)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(shares))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        event.remove(engine, "before_cursor_execute", gate)
    assert not errors, errors
    with app.app_context():
        rows = stored()
        assert sum(given) == len(ids) == len(rows)
        assert sorted(gift_id for _, _, gift_id in rows) == sorted(ids)  # each gift once
        assert [number for _, number, _ in rows] == list(range(1, len(ids) + 1))  # no gap, no repeat
        assert db.session.scalar(select(ReceiptCounter.last).where(ReceiptCounter.year == 2026)) == len(ids)


def test_two_batch_runs_at_once_number_every_letter_once(app):
    """Two thank-you runs over the same gifts, in threads: letters may be
    made twice (that is what two runs ask for), numbers never are."""
    with app.app_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        numbered_template()
        donor = make_donor(email=None)
        ids = [give(donor, "2.00", date(2026, 4, 1 + i)).id for i in range(6)]
        job_ids = [jobs.enqueue(batch.KIND, "thank-yous", {"scope": Scope(kind="thank_you").to_args()}).id
                   for _ in range(2)]
        db.session.commit()
    outcomes, errors = [], []

    def run(job_id: int) -> None:
        try:
            with app.app_context():
                outcomes.append(jobs.run(job_id))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (any failure of a run is what this test looks for)
            errors.append(f"{type(error).__name__}: {error}")

    with app.app_context():
        engine = db.engine
    gate = _gate(2)
    event.listen(engine, "before_cursor_execute", gate)
    try:
        threads = [threading.Thread(target=run, args=(job_id,)) for job_id in job_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    finally:
        event.remove(engine, "before_cursor_execute", gate)
    assert not errors and outcomes == ["finished", "finished"], (errors, outcomes)
    with app.app_context():
        rows = stored()
        assert sorted(g for _, _, g in rows) == sorted(ids)
        assert [n for _, n, _ in rows] == [1, 2, 3, 4, 5, 6]
        by_gift = {g: f"2026-{n:06d}" for _, n, g in rows}
        for job_id in job_ids:
            printed = pdf_text(batch.job_file(job_id).read_bytes())
            assert sorted(by_gift.values()) == sorted(set(re.findall(r"Receipt no\. (\d{4}-\d{6})", printed)))


def test_a_stopped_run_keeps_its_numbers_when_it_carries_on(app, ctx, monkeypatch):
    settings.put("core", {"org_name": "Riverside Food Bank"})
    numbered_template()
    donor = make_donor(email=None)
    ids = [give(donor, "2.00", date(2026, 7, 1 + i)).id for i in range(4)]
    job = jobs.enqueue(batch.KIND, "thank-yous", {"scope": Scope(kind="thank_you").to_args()})
    db.session.commit()
    monkeypatch.setattr(batch, "CHUNK", 1)
    real, calls = batch._letters_for, {"n": 0}

    def killed_on_the_third(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker was killed")
        return real(*args)

    monkeypatch.setattr(batch, "_letters_for", killed_on_the_third)
    assert jobs.run(job.id) == "failed"
    assert [n for _, n, _ in stored()] == [1, 2, 3]  # the third was numbered before its letter failed
    jobs.retry(db.session.get(Job, job.id))
    db.session.commit()
    assert jobs.run(job.id) == "finished"
    assert stored() == [(2026, n, gift_id) for n, gift_id in enumerate(ids, start=1)]
    printed = pdf_text(batch.job_file(job.id).read_bytes())
    assert re.findall(r"Receipt no\. (\d{4}-\d{6})", printed) == [f"2026-{n:06d}" for n in range(1, 5)]


@pytest.fixture
def staff(app, client):
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    login(client, "sam@example.org")
    return client


def test_every_copy_of_a_gifts_letter_shows_the_same_number(app, staff):
    with app.app_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        numbered_template()
        donor = make_donor()
        before = give(donor, "3.00", date(2026, 5, 1))
        gift = give(donor, "40.00", date(2026, 5, 2))
        db.session.commit()
        numbers.assign([before.id])
        db.session.commit()
        gift_id = gift.id
    page = staff.get(f"/pipeline/gifts/{gift_id}").get_data(as_text=True)
    assert "Given with the first thank-you letter" in page
    token = csrf_from(staff, "/pipeline/receipts/")
    texts = [pdf_text(staff.post(f"/pipeline/gifts/{gift_id}/letter.pdf",
                                 data={"csrf_token": token, "kind": "thank_you"}).data) for _ in range(2)]
    texts.append(pdf_text(staff.get(f"/pipeline/gifts/{gift_id}/letter.pdf").data))
    assert staff.post(f"/pipeline/gifts/{gift_id}/letter/email",
                      data={"csrf_token": token, "kind": "thank_you"}).status_code == 303
    with app.app_context():
        from app.models import MailMessage

        for message in db.session.scalars(select(MailMessage)):
            texts.append(pdf_text(message.attachments[0].data))
            assert "Receipt no. 2026-000002." in message.text_body
        assert db.session.scalar(select(func.count()).select_from(ReceiptNumber)) == 2
    assert len(texts) == 4
    for text in texts:
        assert "Receipt no. 2026-000002." in text
    page = staff.get(f"/pipeline/gifts/{gift_id}").get_data(as_text=True)
    assert '<strong class="receipt-number">2026-000002</strong>' in page
    # Whoever deletes the gift is told its number stays used.
    confirm = staff.get(f"/pipeline/gifts/{gift_id}/delete").get_data(as_text=True)
    assert "Its receipt number 2026-000002 is not given again." in confirm


def test_a_preview_numbers_nothing(app, client):
    make_user(app, "ada@example.org", "admin", "Ada Admin")
    login(client, "ada@example.org")
    staff = client
    with app.app_context():
        template = numbered_template()
        gift = give(make_donor(), "9.00", date(2026, 6, 1))
        db.session.commit()
        template_id, gift_id = template.id, gift.id
    token = csrf_from(staff, f"/pipeline/receipts/templates/{template_id}/edit")
    response = staff.post(f"/pipeline/receipts/templates/preview?template_id={template_id}", data={
        "csrf_token": token, "kind": "thank_you", "name": "Numbered receipt", "subject": "Your receipt",
        "body": NUMBERED_BODY, "preview_gift": str(gift_id)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Receipt no. (numbered when the letter is produced)." in pdf_text(response.data)
    with app.app_context():
        assert stored() == []
        sample = fields.sample("thank_you", date(2026, 6, 1))
        assert sample["gift"]["receipt_number"] == "2026-000042"
        assert "gift.receipt_number" in [name for _, _, rows in fields.FIELDS for name, *_ in rows]
