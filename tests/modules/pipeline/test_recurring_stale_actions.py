"""Pause, resume and end post the state they want, from the state they
expect: a confirmation page opened before someone else ended the recurring
gift cannot bring it back by pausing it (issue 15, part 1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import recurring
from modules.pipeline.models import RecurringGift
from tests.forms import form_data
from tests.two_editors import page, two_editors


def test_a_stale_pause_does_not_undo_an_end(app):
    with app.app_context():
        donor = records.create("person", {"first_name": "Mary", "last_name": "Seacole"})
        rg = recurring.create(contact_id=donor.id, amount=Decimal("25"), frequency="monthly",
                              starts_on=date(2026, 1, 15))
        db.session.commit()
        rg_id, donor_id = rg.id, donor.id
    first, second = two_editors(app)
    pause, end = f"/pipeline/recurring/{rg_id}/pause", f"/pipeline/recurring/{rg_id}/end"
    stale_pause = form_data(page(second, pause), pause)
    assert first.post(end, data=form_data(page(first, end), end)).status_code == 303

    answer = second.post(pause, data=stale_pause, follow_redirects=True)

    assert "Nothing changed: this recurring gift is ended now" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RecurringGift, rg_id).status == "ended"
    # From the state it expects, the action still works.
    with app.app_context():
        other = recurring.create(contact_id=donor_id, amount=Decimal("10"), frequency="monthly",
                                 starts_on=date(2026, 1, 15))
        db.session.commit()
        other_id = other.id
    url = f"/pipeline/recurring/{other_id}/pause"
    assert second.post(url, data=form_data(page(second, url), url)).status_code == 303
    with app.app_context():
        assert db.session.get(RecurringGift, other_id).status == "paused"
