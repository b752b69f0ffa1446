"""Writes over the API: ETag/If-Match refuses a stale update (412),
Idempotency-Key makes a retried create one record, the batch upserts."""

from __future__ import annotations

from app.extensions import db
from modules.contacts.models import Contact, ContactEmail, ExternalId
from tests.api_client import Api, api_for, make_token


def _count(app, model=Contact, *where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_stale_update_is_refused_with_412_and_changes_nothing(app, admin):
    api = api_for(app, admin.email)
    made = api.post("contacts", json={"first_name": "Tess", "last_name": "Old"})
    etag = made.headers["ETag"]
    cid = made.get_json()["id"]
    # Someone changes the contact on its page (any path changes the ETag).
    with app.app_context():
        from modules.contacts.people import records

        records.update(db.session.get(Contact, cid), {"last_name": "Changed on the page"})
        db.session.commit()
    stale = api.patch(f"contacts/{cid}", json={"first_name": "Tessa"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert stale.headers["ETag"] != etag
    assert api.delete(f"contacts/{cid}", headers={"If-Match": etag}).status_code == 412
    with app.app_context():
        contact = db.session.get(Contact, cid)
        assert (contact.first_name, contact.last_name, contact.deleted_at) == ("Tess", "Changed on the page", None)
    fresh = api.get(f"contacts/{cid}").headers["ETag"]
    assert fresh == stale.headers["ETag"]
    ok = api.patch(f"contacts/{cid}", json={"first_name": "Tessa"}, headers={"If-Match": fresh})
    assert ok.status_code == 200 and ok.headers["ETag"] not in (fresh, etag)
    assert ok.get_json()["last_name"] == "Changed on the page"
    # A change to a collection alone (an email added on the page) is seen too.
    etag = ok.headers["ETag"]
    with app.app_context():
        from modules.contacts.people import records

        contact = records.load(cid)
        records.update(contact, {}, records.Details(emails=[{"email": "tess@example.org", "label": "",
                                                             "is_primary": True}]))
        db.session.commit()
    assert api.patch(f"contacts/{cid}", json={"notes": "x"}, headers={"If-Match": etag}).status_code == 412
    # Notes and tasks carry ETags too.
    task = api.post("tasks", json={"title": "Call Tess"})
    assert api.patch(f"tasks/{task.get_json()['id']}", json={"title": "Ring"},
                     headers={"If-Match": '"stale"'}).status_code == 412


def test_a_retried_create_makes_one_record(app, admin):
    api = api_for(app, admin.email)
    body = {"first_name": "Rita", "emails": [{"email": "rita@example.org"}]}
    key = {"Idempotency-Key": "create-rita-1"}
    answers = [api.post("contacts", json=body, headers=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert answers[2].headers["Location"] == answers[0].headers["Location"]
    assert _count(app) == 1
    # The same key with another body is refused; nothing is made.
    other = api.post("contacts", json={"first_name": "Someone else"}, headers=key)
    assert other.status_code == 422 and other.get_json()["type"].endswith("idempotency-key-reused")
    assert _count(app) == 1
    # A failed request does not keep its key: the corrected retry goes through once.
    bad_key = {"Idempotency-Key": "create-sam"}
    assert api.post("contacts", json={"first_name": ""}, headers=bad_key).status_code == 422
    fixed = [api.post("contacts", json={"first_name": "Sam"}, headers=bad_key) for _ in range(2)]
    assert [f.status_code for f in fixed] == [201, 201] and _count(app) == 2
    # Keys belong to a token: another token's same key is a new request.
    other_token = Api(app, make_token(app, admin.email, name="second"))
    assert other_token.post("contacts?create_anyway=true", json=body, headers=key).status_code == 201
    assert _count(app) == 3
    # Batches too.
    batch = {"records": [{"first_name": "Bo", "emails": [{"email": "bo@example.org"}]}]}
    twice = [api.post("contacts:batch", json=batch, headers={"Idempotency-Key": "batch-1"}) for _ in range(2)]
    assert twice[0].get_json() == twice[1].get_json() and twice[0].get_json()["created"] == 1
    assert _count(app) == 4


def test_batch_upserts_by_external_id_then_email(app, admin):
    api = api_for(app, admin.email)
    by_email = api.post("contacts", json={"first_name": "Em", "last_name": "Ail", "source": "gala",
                                          "emails": [{"email": "em@example.org"}], "tags": ["Old"]}).get_json()
    by_id = api.post("contacts", json={"first_name": "Ida", "external_ids": {"mis": "S-1"},
                                       "emails": [{"email": "ida@old.example"}]}).get_json()
    records = [
        {"first_name": "Emma", "last_name": "Ail", "tags": ["New"],
         "emails": [{"email": "EM@example.org"}, {"email": "em@work.example"}]},
        {"first_name": "Ida", "external_ids": {"mis": "S-1"}, "emails": [{"email": "ida@new.example"}]},
        {"first_name": "Newt", "emails": [{"email": "newt@example.org"}], "external_ids": {"mis": "S-2"}},
        {"first_name": "Em", "last_name": "Ail", "emails": [{"email": "em@example.org"}], "external_ids": {}},
    ]
    repeated = api.post("contacts:batch", json={"records": records})
    assert repeated.status_code == 422
    assert repeated.get_json()["errors"][0]["field"] == "records[3]"
    assert _count(app) == 2
    result = api.post("contacts:batch", json={"records": records[:3]})
    assert result.status_code == 200, result.get_json()
    data = result.get_json()
    assert (data["created"], data["updated"], data["unchanged"]) == (1, 2, 0)
    assert [(r["index"], r["action"]) for r in data["results"]] == [(0, "updated"), (1, "updated"), (2, "created")]
    assert [r["id"] for r in data["results"][:2]] == [by_email["id"], by_id["id"]]
    emma = api.get(f"contacts/{by_email['id']}").get_json()
    assert emma["first_name"] == "Emma" and emma["source"] == "gala"
    assert [e["email"] for e in emma["emails"]] == ["em@example.org", "em@work.example"]
    assert emma["tags"] == ["New", "Old"]
    ida = api.get(f"contacts/{by_id['id']}").get_json()
    assert [e["email"] for e in ida["emails"]] == ["ida@old.example", "ida@new.example"]
    assert _count(app) == 3 and _count(app, ExternalId) == 2
    again = api.post("contacts:batch", json={"records": records[:3]}).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert _count(app) == 3 and _count(app, ContactEmail) == 5


def test_one_bad_record_refuses_the_whole_batch(app, admin):
    api = api_for(app, admin.email)
    records = [{"first_name": f"Ok{i}", "emails": [{"email": f"ok{i}@example.org"}]} for i in range(3)]
    records.insert(1, {"first_name": "Bad", "emails": [{"email": "not-an-email"}]})
    refused = api.post("contacts:batch", json={"records": records})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["records[1].emails[0].email"]
    assert _count(app) == 0
    too_many = api.post("contacts:batch", json={"records": [{"first_name": "x"}] * 10_001})
    assert too_many.status_code == 422 and too_many.get_json()["errors"][0]["field"] == "records"
    assert _count(app) == 0
