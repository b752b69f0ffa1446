"""An import writes contacts in bulk, past the signals, yet subscribers
hear of them: one contact.created per new contact and one contact.updated
(naming what changed) per matched contact it changed, delivered to a real
receiver; nothing is read or stored when no endpoint wants them."""

from __future__ import annotations

from app.extensions import db
from app.models import WebhookMessage
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.core.test_webhooks_delivery import add_endpoint, fast, receiver, work  # noqa: F401, F811 (fixtures)
from tests.modules.contacts.test_import import _start, run_id, upload

FILE = (b"First name,Last name,Email,City\n"
        b"Ann,Able,ann@example.org,Leeds\n"
        b"Bob,Baker,bob@example.org,York\n"
        b"Kept,Same,kept@example.org,Hull\n"
        b"Carl,Existing,existing@example.org,Bristol\n")


def _person(first: str, last: str, email: str, city: str):
    return records.create("person", {"first_name": first, "last_name": last},
                          Details(emails=[{"email": email, "label": "", "is_primary": True}],
                                  addresses=[{"line1": "", "city": city, "postcode": "", "country": "GB",
                                              "label": "", "is_primary": True}]))


def _existing(app) -> tuple[int, int]:
    with app.app_context():
        carl = _person("Carl", "Existing", "existing@example.org", "York")
        kept = _person("Kept", "Same", "kept@example.org", "Hull")
        db.session.commit()
        return carl.id, kept.id


def _import(app, client) -> None:
    rid = run_id(upload(client, "people.csv", FILE))
    _start(client, rid, "email", "update", "create")
    work(app)


def test_an_import_tells_subscribers_of_each_new_and_changed_contact(app, admin_client, fast, receiver):  # noqa: F811
    carl_id, kept_id = _existing(app)
    add_endpoint(app, receiver.url, events=("contact.created", "contact.updated"))
    _import(app, admin_client)
    work(app)  # the deliveries the import's job queued
    got = sorted((r.json["type"], r.json["data"]["display_name"]) for r in receiver.requests)
    assert got == [("contact.created", "Ann Able"), ("contact.created", "Bob Baker"),
                   ("contact.updated", "Carl Existing")]
    carl = next(r.json["data"] for r in receiver.requests if r.json["type"] == "contact.updated")
    assert (carl["id"], carl["city"], carl["changed"]) == (carl_id, "Bristol", ["addresses"])
    assert kept_id not in {r.json["data"]["id"] for r in receiver.requests}  # matched, nothing changed


def test_an_import_stores_no_event_when_nobody_listens(app, admin_client, fast, receiver):  # noqa: F811
    _existing(app)
    add_endpoint(app, receiver.url, events=("gift.recorded",))
    _import(app, admin_client)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookMessage.id))) == 0
    assert receiver.requests == []
