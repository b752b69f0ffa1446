"""The gift form's own fields in the edit check (issue 15, part 1): the
amount compares as a Decimal, the donor and tribute pickers by the chosen
contact, the soft-credit rows as a set; a gift deleted meanwhile is said so.
(The stories every money form shares are in test_money_edit_conflicts.py.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Gift
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


@pytest.fixture
def people(app):
    with app.app_context():
        ids = {}
        for first, last in (("Grace", "Hopper"), ("Vincent", "Hopper"), ("Walter", "Murray")):
            ids[first.lower()] = records.create("person", {"first_name": first, "last_name": last}).id
        db.session.commit()
        return ids


def _gift(app, people, credits=()) -> tuple[int, str]:
    with app.app_context():
        gift = gifts.record_gift(contact_id=people["grace"], amount=Decimal("1250.50"), received_on=date(2026, 3, 2),
                                 soft_credits=[(people[name], Decimal(amount), role) for name, amount, role in credits])
        db.session.commit()
        return gift.id, f"/pipeline/gifts/{gift.id}/edit"


def _stored(app, gift_id) -> dict:
    with app.app_context():
        gift = db.session.get(Gift, gift_id)
        out = {"amount": gift.amount, "contact_id": gift.contact_id, "notes": gift.notes,
               "credits": {(c.contact_id, c.amount, c.role) for c in gift.soft_credits}}
        db.session.remove()
        return out


def _open_both(app, url):
    first, second = two_editors(app)
    return first, second, form_data(page(first, url), url), form_data(page(second, url), url)


def test_an_amount_written_another_way_is_no_change(app, people):
    """The second person's page shows 1,250.50; posting it back as "$1,250.5"
    means the same amount, so the first person's new amount stays."""
    gift_id, url = _gift(app, people)
    first, second, form_a, form_b = _open_both(app, url)
    assert form_b["amount"] == "1,250.50"
    assert first.post(url, data=changed(form_a, amount="1,300.00")).status_code == 303

    saved = second.post(url, data=changed(form_b, amount="$1,250.5", notes="Matched by employer"))

    assert saved.status_code == 303
    assert _stored(app, gift_id) == {"amount": Decimal("1300.00"), "contact_id": people["grace"],
                                     "notes": "Matched by employer", "credits": set()}


def test_soft_credits_in_another_order_are_the_same_credits(app, people):
    gift_id, url = _gift(app, people, [("vincent", "100", "spouse"), ("walter", "50", "solicitor")])
    first, second, form_a, form_b = _open_both(app, url)
    assert first.post(url, data=changed(form_a, notes="Spouse credited")).status_code == 303
    rows = {"sc-0-contact": form_b["sc-1-contact"], "sc-0-amount": "50.0", "sc-0-role": "solicitor",
            "sc-1-contact": form_b["sc-0-contact"], "sc-1-amount": "100", "sc-1-role": "spouse"}

    saved = second.post(url, data=changed(form_b, amount="1260", **rows))

    assert saved.status_code == 303
    stored = _stored(app, gift_id)
    assert (stored["amount"], stored["notes"]) == (Decimal("1260.00"), "Spouse credited")
    assert stored["credits"] == {(people["vincent"], Decimal("100.00"), "spouse"),
                                 (people["walter"], Decimal("50.00"), "solicitor")}


def test_soft_credits_both_changed_are_a_conflict_shown_by_name(app, people):
    gift_id, url = _gift(app, people)
    first, second, form_a, form_b = _open_both(app, url)
    credit = {"sc_count": "1", "sc-0-amount": "", "sc-0-role": "spouse"}
    theirs = changed(form_a, **credit, **{"sc-0-contact": str(people["vincent"])})
    assert first.post(url, data=theirs).status_code == 303

    clash = second.post(url, data=changed(form_b, **credit, **{"sc-0-contact": str(people["walter"])}))

    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert '<p class="edit-theirs">Vincent Hopper: 1,250.50 (Spouse)</p>' in html
    assert form_data(html, url)["sc-0-contact"] == str(people["walter"])  # mine still in the rows
    assert _stored(app, gift_id)["credits"] == {(people["vincent"], Decimal("1250.50"), "spouse")}

    used = second.post(url, data=changed(form_data(html, url), **{"edit_keep-soft_credits": "theirs"}))

    assert used.status_code == 303
    assert _stored(app, gift_id)["credits"] == {(people["vincent"], Decimal("1250.50"), "spouse")}


def test_the_donor_both_changed_is_a_conflict_and_theirs_elsewhere_shows_in_the_form(app, people):
    """First moves the gift to Walter and credits Vincent; second changes the
    donor to Vincent too, and the amount. The conflict is the donor; the
    soft credit (only theirs changed) is already in the form the second
    person sees, so saving again cannot drop it."""
    gift_id, url = _gift(app, people)
    first, second, form_a, form_b = _open_both(app, url)
    assert first.post(url, data=changed(form_a, contact_id=str(people["walter"]), sc_count="1",
                                        **{"sc-0-contact": str(people["vincent"]), "sc-0-amount": "200",
                                           "sc-0-role": "other"})).status_code == 303

    clash = second.post(url, data=changed(form_b, contact_id=str(people["vincent"]), amount="999"))

    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert '<p class="edit-theirs">Walter Murray</p>' in html
    shown = form_data(html, url)
    assert shown["contact_id"] == str(people["vincent"])  # mine, to keep or not
    assert (shown["sc_count"], shown["sc-0-contact"], shown["sc-0-amount"]) == ("1", str(people["vincent"]), "200.00")
    assert "Their changes to Soft credits are already in the form." in html

    kept = second.post(url, data=changed(shown, contact_id=str(people["walter"]), **{"edit_keep-contact_id": "mine"}))

    assert kept.status_code == 303
    assert _stored(app, gift_id) == {"amount": Decimal("999.00"), "contact_id": people["walter"], "notes": "",
                                     "credits": {(people["vincent"], Decimal("200.00"), "other")}}


def test_saving_a_gift_someone_deleted_says_so(app, people):
    gift_id, url = _gift(app, people)
    first, second, form_a, form_b = _open_both(app, url)
    delete = f"/pipeline/gifts/{gift_id}/delete"
    assert first.post(delete, data=form_data(page(first, delete), delete)).status_code == 303

    saved = second.post(url, data=changed(form_b, amount="10"), follow_redirects=True)

    assert saved.status_code == 200
    assert "This gift was deleted by someone else while you were editing it" in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Gift).count() == 0
    assert second.get(url).status_code == 404


def test_a_gift_deleted_while_the_save_is_checked_is_said_so(app, people, monkeypatch):
    """The gift is still there when the form is read, gone by the time the
    save locks its row (someone's delete in between)."""
    import importlib

    from sqlalchemy import delete

    settle_module = importlib.import_module("app.edits.settle")  # app.edits.settle is also the function

    gift_id, url = _gift(app, people)
    first, second, form_a, form_b = _open_both(app, url)
    real_lock = settle_module.hold_edit_lock

    def deleted_first(record):
        table = Gift.__table__  # a plain DELETE, as another connection's would be: the session is not told
        db.session.execute(delete(table).where(table.c.id == gift_id))
        real_lock(record)

    monkeypatch.setattr(settle_module, "hold_edit_lock", deleted_first)
    saved = second.post(url, data=changed(form_b, amount="10"), follow_redirects=True)

    assert saved.status_code == 200
    assert "This gift was deleted by someone else while you were editing it" in saved.get_data(as_text=True)
    assert _stored(app, gift_id)["amount"] == Decimal("1250.50")  # the delete was this test's own, rolled back


def test_a_post_without_the_soft_credit_rows_leaves_them_alone(app, people):
    gift_id, url = _gift(app, people, [("vincent", "100", "spouse")])
    first, second, form_a, form_b = _open_both(app, url)
    for name in ("sc_count", "sc-0-contact", "sc-0-amount", "sc-0-role"):
        form_b.pop(name)

    assert second.post(url, data=changed(form_b, notes="Posted by a script")).status_code == 303

    assert _stored(app, gift_id)["credits"] == {(people["vincent"], Decimal("100.00"), "spouse")}
    assert _stored(app, gift_id)["notes"] == "Posted by a script"
