"""Two people editing the same fund or appeal (issue 15): a field only one of
them changed merges, a field both changed comes back as a conflict naming who
saved what, and a form without an edit token still saves (last save wins)."""

from __future__ import annotations

import pytest

from app.extensions import db
from modules.contacts import models as _contacts  # noqa: F401  (pipeline models name Contact)
from modules.pipeline.models import Appeal, Fund
from tests.forms import changed, form_data
from tests.two_editors import both_open, page, two_editors

KINDS = pytest.mark.parametrize("kind, model", [("funds", Fund), ("appeals", Appeal)])


def _item(app, model) -> int:
    with app.app_context():
        item = model(name="Building", code="BLD", active=True)
        db.session.add(item)
        db.session.commit()
        return item.id


def _stored(app, model, item_id) -> tuple:
    with app.app_context():
        item = db.session.get(model, item_id)
        return item.name, item.code, item.active


@KINDS
def test_different_fields_both_saved_and_a_deactivation_is_not_undone(app, kind, model):
    item_id = _item(app, model)
    first, second = two_editors(app)
    url = f"/pipeline/admin/{kind}/{item_id}/edit"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, name="New building", active=[])).status_code == 303

    saved = second.post(url, data=changed(form_b, code="NB-1"), follow_redirects=True)

    assert saved.status_code == 200
    assert "changes to Name, Active: offered on new gifts were kept" in saved.get_data(as_text=True)
    assert _stored(app, model, item_id) == ("New building", "NB-1", False)


@KINDS
@pytest.mark.parametrize("choice, kept", [("mine", "Capital works"), ("theirs", "New building")])
def test_the_same_field_changed_by_both_is_a_conflict_then_a_choice(app, kind, model, choice, kept):
    item_id = _item(app, model)
    first, second = two_editors(app)
    url = f"/pipeline/admin/{kind}/{item_id}/edit"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, name="New building")).status_code == 303

    clash = second.post(url, data=changed(form_b, name="Capital works", code="CW"))

    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this at" in html and '<p class="edit-theirs">New building</p>' in html
    again = form_data(html, url)
    assert (again["name"], again["code"]) == ("Capital works", "CW")  # nothing typed is lost
    assert html.count('class="edit-conflict"') == 1
    assert _stored(app, model, item_id) == ("New building", "BLD", True)

    decided = second.post(url, data=changed(again, **{"edit_keep-name": choice}))
    assert decided.status_code == 303
    assert _stored(app, model, item_id) == (kept, "CW", True)


@KINDS
def test_a_form_without_its_token_saves_as_before(app, kind, model):
    item_id = _item(app, model)
    first, second = two_editors(app)
    url = f"/pipeline/admin/{kind}/{item_id}/edit"
    form_a, form_b = both_open(first, second, url)
    assert "edit_token" in form_b
    assert first.post(url, data=changed(form_a, name="New building")).status_code == 303
    form_b.pop("edit_token")
    assert second.post(url, data=changed(form_b, name="Capital works")).status_code == 303
    assert _stored(app, model, item_id) == ("Capital works", "BLD", True)


def test_adding_a_fund_needs_no_token(app):
    first, _ = two_editors(app)
    url = "/pipeline/admin/funds/new"
    form = form_data(page(first, url), url)
    assert "edit_token" not in form
    assert first.post(url, data=changed(form, name="Scholarships")).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Fund.id)).where(Fund.name == "Scholarships")) == 1
