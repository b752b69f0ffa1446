"""Two people editing the same gift, pledge, recurring gift or opportunity
(issue 15, part 1): one table of forms, the same four stories for each.
A field only one of them changed merges; a field both changed comes back
as a conflict (409) naming who saved what, nothing stored changed, and the
choice "Keep what I typed" / "Use theirs" saves what was chosen; a form
posted without its edit token saves as before (last save wins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts, recurring
from modules.pipeline import opportunities as opportunity_service
from modules.pipeline.models import Gift, Opportunity, Pipeline, Pledge, RecurringGift, Stage
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


def _donor() -> int:
    person = records.create("person", {"first_name": "Mary", "last_name": "Seacole"})
    db.session.flush()
    return person.id


def _gift() -> Gift:
    return gifts.record_gift(contact_id=_donor(), amount=Decimal("1250.50"), received_on=date(2026, 3, 2))


def _recurring() -> RecurringGift:
    return recurring.create(contact_id=_donor(), amount=Decimal("25"), frequency="monthly",
                            starts_on=date(2026, 1, 15))


def _pledge() -> Pledge:
    schedule = gifts.installment_schedule(Decimal("1200"), 4, date(2026, 2, 1), "quarterly")
    return gifts.record_pledge(contact_id=_donor(), amount=Decimal("1200"), pledged_on=date(2026, 1, 20),
                               schedule=schedule, notes="")


def _opportunity() -> Opportunity:
    first = db.session.scalar(select(Stage).join(Pipeline).where(Pipeline.name == "Major gifts")
                              .order_by(Stage.position))
    return opportunity_service.create(stage=first, contact_id=_donor(), name="Capital grant",
                                      amount=Decimal("10000"))


@dataclass(frozen=True)
class Kind:
    """One edit form: how to make its record, its address, two fields the
    two people change apart, and the field they both change."""

    make: object
    model: type
    url: str
    apart: tuple[tuple[str, str, object], tuple[str, str, object]]  # (field, typed, stored as)
    clash: str
    first_typed: str
    second_typed: str
    first_stored: object
    second_stored: object
    their_text: str  # their value as the conflict view shows it


KINDS = {
    "gift": Kind(_gift, Gift, "/pipeline/gifts/{}/edit",
                 (("reference", "CHQ-1001", "CHQ-1001"), ("notes", "Thank-you call made", "Thank-you call made")),
                 "amount", "1,300", "1250.75", Decimal("1300.00"), Decimal("1250.75"), "1,300.00"),
    "recurring": Kind(_recurring, RecurringGift, "/pipeline/recurring/{}/edit",
                      (("reference", "MANDATE-9", "MANDATE-9"), ("frequency", "quarterly", "quarterly")),
                      "amount", "30", "$35.50", Decimal("30.00"), Decimal("35.50"), "30.00"),
    "pledge": Kind(_pledge, Pledge, "/pipeline/pledges/{}/edit",
                   (("notes", "Board member", "Board member"), ("pledged_on", "2026-01-21", date(2026, 1, 21))),
                   "amount", "1,500.00", "1600", Decimal("1500.00"), Decimal("1600.00"), "1,500.00"),
    "opportunity": Kind(_opportunity, Opportunity, "/pipeline/opportunities/{}/edit",
                        (("next_step", "Site visit", "Site visit"), ("notes", "Met at the gala", "Met at the gala")),
                        "name", "Capital grant 2027", "Capital appeal", "Capital grant 2027", "Capital appeal",
                        "Capital grant 2027"),
}
pytestmark = pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))


def _record(app, kind: Kind) -> tuple[int, str]:
    with app.app_context():
        record = kind.make()
        db.session.commit()
        return record.id, kind.url.format(record.id)


def _stored(app, kind: Kind, record_id: int, name: str):
    with app.app_context():
        value = getattr(db.session.get(kind.model, record_id), name)
        db.session.remove()
        return value


def _updates(app, kind: Kind, record_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.object_type == kind.model.__tablename__, AuditEntry.object_id == str(record_id),
            AuditEntry.action == "update"))


def _open_both(app, kind):
    record_id, url = _record(app, kind)
    first, second = two_editors(app)
    return record_id, url, first, second, form_data(page(first, url), url), form_data(page(second, url), url)


def test_changes_to_different_fields_are_both_kept(app, kind):
    record_id, url, first, second, form_a, form_b = _open_both(app, kind)
    (field_a, typed_a, stored_a), (field_b, typed_b, stored_b) = kind.apart

    assert first.post(url, data=changed(form_a, **{field_a: typed_a})).status_code == 303
    saved = second.post(url, data=changed(form_b, **{field_b: typed_b}), follow_redirects=True)

    assert saved.status_code == 200
    assert "were kept" in saved.get_data(as_text=True)  # the saved message says theirs stayed
    assert _stored(app, kind, record_id, field_a) == stored_a
    assert _stored(app, kind, record_id, field_b) == stored_b
    assert _updates(app, kind, record_id) == 2  # two saves, neither undone


def _clash(app, kind):
    record_id, url, first, second, form_a, form_b = _open_both(app, kind)
    other_field, other_typed, other_stored = kind.apart[1]
    assert first.post(url, data=changed(form_a, **{kind.clash: kind.first_typed})).status_code == 303
    response = second.post(url, data=changed(form_b, **{kind.clash: kind.second_typed, other_field: other_typed}))
    return record_id, url, second, response


def test_the_same_field_changed_by_both_is_a_conflict_and_keeping_mine_saves_mine(app, kind):
    record_id, url, second, clash = _clash(app, kind)

    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert "Someone else saved this while you were editing." in html
    assert "Ada Admin changed this at" in html
    assert f'<p class="edit-theirs">{kind.their_text}</p>' in html
    assert html.count('class="edit-conflict"') == 1
    again = form_data(html, url)
    assert again[kind.clash] == kind.second_typed  # what was typed is still in the form
    assert _stored(app, kind, record_id, kind.clash) == kind.first_stored  # nothing of theirs undone
    assert _updates(app, kind, record_id) == 1

    kept = second.post(url, data=changed(again, **{f"edit_keep-{kind.clash}": "mine"}))

    assert kept.status_code == 303
    assert _stored(app, kind, record_id, kind.clash) == kind.second_stored
    other_field, _, other_stored = kind.apart[1]
    assert _stored(app, kind, record_id, other_field) == other_stored
    assert _updates(app, kind, record_id) == 2


def test_using_theirs_after_a_conflict_keeps_theirs_and_the_rest_of_mine(app, kind):
    record_id, url, second, clash = _clash(app, kind)
    assert clash.status_code == 409

    used = second.post(url, data=changed(form_data(clash.get_data(as_text=True), url),
                                         **{f"edit_keep-{kind.clash}": "theirs"}))

    assert used.status_code == 303
    assert _stored(app, kind, record_id, kind.clash) == kind.first_stored
    other_field, _, other_stored = kind.apart[1]
    assert _stored(app, kind, record_id, other_field) == other_stored


def test_a_form_without_its_edit_token_saves_as_before(app, kind):
    record_id, url, first, second, form_a, form_b = _open_both(app, kind)
    assert first.post(url, data=changed(form_a, **{kind.clash: kind.first_typed})).status_code == 303
    form_b.pop("edit_token")

    assert second.post(url, data=changed(form_b, **{kind.clash: kind.second_typed})).status_code == 303

    assert _stored(app, kind, record_id, kind.clash) == kind.second_stored  # last save wins, as documented
