"""Two people editing the same contact (issue 15, part 1): the second save
never silently erases the first. A field only one of them changed merges
without asking; a field both changed comes back as a conflict, with what the
other person saved, their name and time, and nothing typed lost."""

from __future__ import annotations

import re

from app.extensions import db
from modules.contacts.models import Contact
from modules.contacts.people import records
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors

HX = {"HX-Request": "true"}


def _contact(app) -> int:
    with app.app_context():
        contact = records.create("person", {"first_name": "Grace", "middle_name": "", "last_name": "Hopper",
                                            "preferred_name": ""}, None)
        db.session.commit()
        return contact.id


def _stored(app, contact_id) -> Contact:
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        db.session.expunge(contact)
        return contact


def test_the_issue_scenario_keeps_both_changes(app):
    """First changes the preferred name and saves; second, on the old form,
    changes the middle name and saves: both changes are kept."""
    contact_id = _contact(app)
    first, second = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)

    assert first.post(url, data=changed(form_a, preferred_name="Amazing Grace")).status_code == 303
    saved = second.post(url, data=changed(form_b, middle_name="Brewster"), follow_redirects=True)

    assert saved.status_code == 200
    stored = _stored(app, contact_id)
    assert (stored.preferred_name, stored.middle_name) == ("Amazing Grace", "Brewster")
    assert "changes to Preferred name were kept" in saved.get_data(as_text=True)


def test_a_field_both_changed_comes_back_as_a_conflict_with_nothing_lost(app):
    contact_id = _contact(app)
    first, second = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    assert first.post(url, data=changed(form_a, first_name="Gracie", pronouns="she/her")).status_code == 303

    clash = second.post(url, data=changed(form_b, first_name="Grace B.", last_name="Hopper-Murray"))

    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert _stored(app, contact_id).first_name == "Gracie"  # nothing saved yet
    assert _stored(app, contact_id).last_name == "Hopper"
    again = form_data(html, url)
    # What the second person typed is still in the form, their colleague's
    # other change (pronouns) is merged in, and the clash names who and what.
    assert again["first_name"] == "Grace B." and again["last_name"] == "Hopper-Murray"
    assert again["pronouns"] == "she/her"
    assert re.search(r"Ada Admin changed this at <time[^>]*>[^<]+</time> to:</legend>\s*"
                     r'<p class="edit-theirs">Gracie</p>', html)
    assert html.count('class="edit-conflict"') == 1

    # Keep theirs for the clashing field; the second person's other change stands.
    kept = second.post(url, data=changed(form_data(html, url), **{"edit_keep-first_name": "theirs"}))
    assert kept.status_code == 303
    stored = _stored(app, contact_id)
    assert (stored.first_name, stored.last_name, stored.pronouns) == ("Gracie", "Hopper-Murray", "she/her")


def test_keeping_mine_after_a_conflict_saves_what_was_typed(app):
    contact_id = _contact(app)
    first, second = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    first.post(url, data=changed(form_a, first_name="Gracie"))
    clash = second.post(url, data=changed(form_b, first_name="Grace B."))
    assert clash.status_code == 409

    assert second.post(url, data=form_data(clash.get_data(as_text=True), url)).status_code == 303
    assert _stored(app, contact_id).first_name == "Grace B."


def test_a_third_save_in_between_is_caught_again(app):
    """After the conflict view, someone saves once more: the next save clashes again, not silently."""
    contact_id = _contact(app)
    first, second = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    first.post(url, data=changed(form_a, first_name="Gracie"))
    clash = second.post(url, data=changed(form_b, first_name="Grace B."))
    first.post(url, data=changed(form_data(page(first, url), url), first_name="G."))

    again = second.post(url, data=form_data(clash.get_data(as_text=True), url))
    assert again.status_code == 409
    assert '<p class="edit-theirs">G.</p>' in again.get_data(as_text=True)
    assert _stored(app, contact_id).first_name == "G."


def test_the_inline_section_editor_is_guarded_too(app):
    contact_id = _contact(app)
    first, second = two_editors(app)
    url = f"/contacts/{contact_id}/edit?section=identity"
    form_a = form_data(page(first, url, **HX), "section=identity")
    form_b = form_data(page(second, url, **HX), "section=identity")
    assert first.post(url, data=changed(form_a, last_name="Murray"), headers=HX).status_code == 200

    clash = second.post(url, data=changed(form_b, last_name="Hopper Jr"), headers=HX)
    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert 'id="contact-identity"' in html and "Someone else saved this while you were editing" in html
    assert form_data(html, "section=identity")["last_name"] == "Hopper Jr"
    assert _stored(app, contact_id).last_name == "Murray"


def test_a_change_made_outside_the_form_is_not_reverted(app):
    """A change by another path (an import, a bulk action) is seen by value, not by a counter."""
    contact_id = _contact(app)
    first, _ = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    shown = form_data(page(first, url), url)
    with app.app_context():
        db.session.execute(db.update(Contact).where(Contact.id == contact_id).values(do_not_mail=True))
        db.session.commit()

    assert first.post(url, data=changed(shown, middle_name="B.")).status_code == 303
    stored = _stored(app, contact_id)
    assert stored.do_not_mail is True and stored.middle_name == "B."


def test_a_form_without_a_token_saves_as_before(app):
    """Scripts and pages from before this change carry no token: last save wins, as it did."""
    contact_id = _contact(app)
    first, _ = two_editors(app)
    url = f"/contacts/{contact_id}/edit"
    shown = form_data(page(first, url), url)
    shown.pop("edit_token")
    assert first.post(url, data=changed(shown, first_name="Ada")).status_code == 303
    assert _stored(app, contact_id).first_name == "Ada"
