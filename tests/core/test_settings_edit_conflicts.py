"""Edit conflicts on a form that saves settings, not a row (app.settings.Edited),
and the field kinds app/edits compares: a multiple choice compares as a set, and
a prefixed form's "keep mine / use theirs" choice is read under its own name."""

from __future__ import annotations

from wtforms import Form, SelectMultipleField, StringField

from app import settings as store
from app.edits import settle
from app.edits.fingerprints import fingerprints, token_for
from tests.forms import changed
from tests.two_editors import both_open, two_editors

URL = "/admin/settings"


def _stored(app) -> dict:
    with app.test_request_context():
        return dict(store.get_all("core"))


def test_settings_changed_meanwhile_merge_and_clash(app):
    first, second = two_editors(app)
    form_a, form_b = both_open(first, second, URL)
    assert first.post(URL, data=changed(form_a, org_name="Hope Foundation", timezone="Europe/Dublin")
                      ).status_code == 303

    merged = second.post(URL, data=changed(form_b, currency="EUR"), follow_redirects=True)
    assert merged.status_code == 200
    assert "changes to Organisation name, Timezone were kept" in merged.get_data(as_text=True)
    assert (_stored(app)["org_name"], _stored(app)["timezone"], _stored(app)["currency"]) == \
        ("Hope Foundation", "Europe/Dublin", "EUR")

    form_a, form_b = both_open(first, second, URL)
    assert first.post(URL, data=changed(form_a, org_name="Hope Trust")).status_code == 303
    clash = second.post(URL, data=changed(form_b, org_name="Hope Society"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this" in html and "Hope Trust" in html and 'value="Hope Society"' in html
    assert _stored(app)["org_name"] == "Hope Trust"


class _Tags(Form):
    name = StringField("Name")
    tags = SelectMultipleField("Tags", choices=[("a", "A"), ("b", "B"), ("c", "C")])


def test_a_multiple_choice_in_another_order_is_no_change():
    one = _Tags(data={"name": "x", "tags": ["a", "b"]})
    other = _Tags(data={"name": "x", "tags": ["b", "a"]})
    assert fingerprints(one) == fingerprints(other)
    assert fingerprints(one) != fingerprints(_Tags(data={"name": "x", "tags": ["a"]}))


class _Record:
    """A record whose lock is nothing (the test holds no transaction)."""

    __tablename__ = "nothing"
    id = 1
    updated_at = None

    def hold_edit_lock(self):
        pass


def test_a_prefixed_forms_keep_choice_is_read_under_the_prefixed_name(app):
    base = _Tags(prefix="fund", data={"name": "General", "tags": []})
    token = token_for(base)
    stored = _Tags(prefix="fund", data={"name": "General Fund", "tags": []})
    with app.test_request_context(method="POST", data={"fund-name": "Unrestricted", "edit_token": token,
                                                        "edit_keep-fund-name": "theirs"}):
        from flask import request

        posted = _Tags(request.form, prefix="fund")
        assert settle(posted, _Record(), lambda: stored) is True
        assert posted.name.data == "General Fund"  # "use theirs" was read
