"""The issue's case: set up in Ireland, then an Irish number typed the Irish
way ("087 123 4567") is read as Irish by the import and by the contact form,
not as "+10871234567"."""

from __future__ import annotations

from app.extensions import db
from modules.contacts.models import Contact
from tests.conftest import PASSWORD, post_form
from tests.modules.contacts.test_import import mapping_form, post, run_id, upload, work


def test_setup_in_ireland_then_import_and_type_irish_numbers(app, client):
    assert post_form(client, "/setup", {"org_name": "Liffey Food Bank", "name": "Gráinne", "country": "IE",
                                        "email": "grainne@example.ie", "password": PASSWORD,
                                        "confirm": PASSWORD}).status_code == 303

    response = upload(client, "people.csv", b"First Name,Last Name,Phone\nAoife,Byrne,087 123 4567\n")
    assert response.status_code == 303
    rid = run_id(response)
    page = client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    post(client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    assert post(client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                         "on_new": "create", "action": "start"}).status_code == 303
    work(app)

    created = post_form(client, "/contacts/new?kind=person", {
        "first_name": "Cian", "last_name": "Walsh", "owner_id": "", "phones-0-number": "01 234 5678",
        "phones-0-label": "home"})
    assert created.status_code == 303, created.get_data(as_text=True)[:2000]
    with app.app_context():
        phones = {c.display_name: c.phone for c in db.session.scalars(db.select(Contact))}
    assert phones == {"Aoife Byrne": "+353871234567", "Cian Walsh": "+35312345678"}
    page = client.get("/contacts/").get_data(as_text=True)
    assert "087 123 4567" in page  # shown the national way at home
