"""People, households and organisations over the API: the same rules as
the pages, lists with filters, keyset pages and sparse fields, external ids."""

from __future__ import annotations

from app.extensions import db
from modules.contacts.models import Activity, Contact, CustomField, ExternalId
from tests.api_client import api_for
from tests.conftest import counted_queries


def _count(app, model=Contact, *where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _field(app, **values) -> None:
    with app.app_context():
        db.session.add(CustomField(**{"kinds": ["person"], "choices": [], "position": 0, "active": True, **values}))
        db.session.commit()


def test_create_read_and_the_form_rules(app, admin):
    _field(app, key="member_since", label="Member since", type="date")
    _field(app, key="shirt", label="Shirt", type="choice", choices=["S", "M", "L"])
    api = api_for(app, admin.email)
    body = {"first_name": "Grace", "last_name": "Hopper", "prefix": "Dr", "birth_date": "1906-12-09",
            "emails": [{"email": "Grace@Example.ORG", "label": "work"}, {"email": "g@home.example", "primary": True}],
            "phones": [{"number": "+44 20 7946 0000", "label": "office"}],
            "addresses": [{"line1": "1 Navy Way", "city": "Arlington", "postcode": "22201", "country": "us"}],
            "tags": ["Volunteer", "Donor"], "custom_fields": {"member_since": "1944-07-01", "shirt": "M"},
            "external_ids": {"stripe": "cus_123"}, "do_not_phone": True}
    created = api.post("contacts", json=body)
    assert created.status_code == 201, created.get_json()
    shown = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/contacts/{shown['id']}")
    assert shown["display_name"] == "Dr Grace Hopper"
    assert [(e["email"], e["primary"]) for e in shown["emails"]] == [("grace@example.org", False),
                                                                     ("g@home.example", True)]
    assert shown["phones"][0]["number"] == "+442079460000"
    assert shown["addresses"][0]["country"] == "US" and shown["tags"] == ["Donor", "Volunteer"]
    assert shown["custom_fields"] == {"member_since": "1944-07-01", "shirt": "M"}
    assert shown["external_ids"] == {"stripe": "cus_123"} and shown["do_not_phone"] is True
    read = api.get(f"contacts/{shown['id']}")
    assert read.get_json() == shown and read.headers["ETag"] == created.headers["ETag"]
    with app.app_context():
        contact = db.session.get(Contact, shown["id"])
        assert contact.email == "g@home.example" and contact.birth_date.isoformat() == "1906-12-09"
        assert db.session.scalar(db.select(Activity.subject).where(Activity.contact_id == contact.id)) == \
            "Created person"
    # The form's messages, by the body's names; nothing saved.
    bad = api.post("contacts", json={"birth_date": "2999-01-01", "phones": [{"number": "call me"}],
                                     "custom_fields": {"shirt": "XXL", "nope": 1}}).get_json()
    fields = {e["field"]: e["detail"] for e in bad["errors"]}
    assert fields["first_name"] == "Enter a first or a last name."
    assert fields["birth_date"] == "A birth date cannot be in the future."
    assert fields["phones[0].number"].startswith("This does not look like a phone number")
    assert fields["custom_fields.shirt"] == "Choose one of the listed options."
    assert "nope" in fields["custom_fields"]
    assert _count(app) == 1


def test_a_likely_duplicate_is_refused_unless_created_anyway(app, admin):
    api = api_for(app, admin.email)
    first = api.post("contacts", json={"first_name": "Ann", "emails": [{"email": "ann@example.org"}]}).get_json()
    again = api.post("contacts", json={"first_name": "Annie", "emails": [{"email": "ANN@example.org"}]})
    assert again.status_code == 409
    assert again.get_json()["duplicates"] == [{"id": first["id"], "display_name": "Ann",
                                               "reasons": ["same email ann@example.org"]}]
    assert _count(app) == 1
    anyway = api.post("contacts?create_anyway=true", json={"first_name": "Annie",
                                                           "emails": [{"email": "ann@example.org"}]})
    assert anyway.status_code == 201 and _count(app) == 2
    with app.app_context():
        note = db.session.scalar(db.select(Activity.subject).where(Activity.contact_id == anyway.get_json()["id"],
                                                                   Activity.subject.like("Created anyway%")))
        assert note == f"Created anyway beside Ann (#{first['id']})"


def test_patch_changes_only_what_is_sent_and_delete_trashes(app, admin):
    api = api_for(app, admin.email)
    made = api.post("contacts", json={"first_name": "Ada", "last_name": "King", "source": "gala",
                                      "emails": [{"email": "ada@example.org"}], "tags": ["Donor"]}).get_json()
    changed = api.patch(f"contacts/{made['id']}", json={"last_name": "Lovelace", "tags": ["Board"]})
    assert changed.status_code == 200, changed.get_json()
    data = changed.get_json()
    assert (data["first_name"], data["last_name"], data["source"]) == ("Ada", "Lovelace", "gala")
    assert data["emails"] == made["emails"] and data["tags"] == ["Board"]
    assert _problem_field(api.patch(f"contacts/{made['id']}", json={"first_name": "", "last_name": ""}),
                          "first_name")
    assert api.delete(f"contacts/{made['id']}").status_code == 204
    with app.app_context():
        assert db.session.get(Contact, made["id"]).deleted_at is not None
    assert api.get(f"contacts/{made['id']}").status_code == 404
    assert api.get(f"households/{made['id']}").status_code == 404


def _problem_field(response, field: str) -> bool:
    assert response.status_code == 422, response.get_json()
    return field in {e["field"] for e in response.get_json()["errors"]}


def test_households_organisations_relationships_and_consent(app, admin):
    api = api_for(app, admin.email)
    home = api.post("households", json={"name": "The Hoppers"}).get_json()
    person = api.post("contacts", json={"first_name": "Grace", "household_id": home["id"]}).get_json()
    assert person["household_id"] == home["id"]
    assert api.get(f"households/{home['id']}").get_json()["member_ids"] == [person["id"]]
    assert _problem_field(api.post("contacts", json={"first_name": "X", "household_id": person["id"]}),
                          "household_id")
    org = api.post("organisations", json={"name": "Navy"}).get_json()
    with app.app_context():
        from modules.contacts.models import RelationshipType

        type_id = db.session.scalar(db.select(RelationshipType.id).order_by(RelationshipType.id))
    link = api.post(f"contacts/{org['id']}/relationships", json={"type_id": type_id, "other_id": person["id"]})
    assert link.status_code == 201 and link.get_json()["other_id"] == person["id"]
    assert _problem_field(api.patch(f"organisations/{org['id']}", json={"primary_contact_id": home["id"]}),
                          "primary_contact_id")
    primary = api.patch(f"organisations/{org['id']}", json={"primary_contact_id": person["id"]}).get_json()
    assert primary["primary_contact_id"] == person["id"]
    assert [r["other_id"] for r in api.get(f"contacts/{person['id']}/relationships").get_json()] == [org["id"]]
    # Consent: the page's rules (an opt-in needs its wording).
    assert _problem_field(api.post(f"contacts/{person['id']}/consent",
                                   json={"status": "opted_in", "source": "web form"}), "wording")
    consent = api.post(f"contacts/{person['id']}/consent",
                       json={"status": "opted_in", "source": "web form", "wording": "Send me news"}).get_json()
    assert consent["email_opt_in"] == "opted_in"
    assert consent["data"][0]["wording"] == "Send me news" and consent["data"][0]["recorded_by"] == admin.name
    gone = api.delete(f"contacts/{org['id']}/relationships/{link.get_json()['id']}")
    assert gone.status_code == 204 and api.get(f"contacts/{person['id']}/relationships").get_json() == []


def test_external_ids_unique_per_system_and_looked_up(app, admin):
    api = api_for(app, admin.email)
    one = api.post("contacts", json={"first_name": "One", "external_ids": {"stripe": "cus_1", "mis": "7"}}).get_json()
    taken = api.post("contacts", json={"first_name": "Two", "external_ids": {"stripe": "cus_1"}})
    assert _problem_field(taken, "external_ids.stripe") and _count(app) == 1
    assert _problem_field(api.post("contacts", json={"first_name": "Two", "external_ids": {"Bad System!": "x"}}),
                          "external_ids.Bad System!")
    two = api.post("contacts", json={"first_name": "Two", "external_ids": {"stripe": "cus_2"}}).get_json()
    found = api.get("contacts?external_id=stripe:cus_2&fields=display_name").get_json()["data"]
    assert found == [{"id": two["id"], "display_name": "Two"}]
    removed = api.patch(f"contacts/{one['id']}", json={"external_ids": {"mis": None}}).get_json()
    assert removed["external_ids"] == {"stripe": "cus_1"}
    assert _count(app, ExternalId) == 2


def test_lists_page_by_keyset_filter_and_choose_fields(app, admin):
    api = api_for(app, admin.email)
    names = ["Ava", "Ben", "Cat", "Dan", "Eve"]
    for i, name in enumerate(names):
        api.post("contacts", json={"first_name": name, "last_name": "Zed",
                                   "addresses": [{"city": "Leeds" if i % 2 else "York"}],
                                   "tags": ["Donor"] if i < 2 else []})
    api.post("households", json={"name": "Not a person"})
    seen, url, pages = [], "contacts?limit=2&fields=display_name", 0
    while url:
        page = api.get(url).get_json()
        assert all(set(item) == {"id", "display_name"} for item in page["data"])
        seen += [item["display_name"] for item in page["data"]]
        url, pages = page["links"]["next"], pages + 1
        if url:
            # On BASE_URL, never on the request's Host header.
            assert url.startswith(app.config["BASE_URL"].rstrip("/") + "/api/v1/contacts?") and "limit=2" in url
    assert seen == [f"{n} Zed" for n in names] and pages == 3
    newest = api.get("contacts?sort=-created&fields=first_name").get_json()["data"]
    assert [c["first_name"] for c in newest] == list(reversed(names))
    leeds = api.get("contacts?f=city:is:leeds&fields=first_name").get_json()["data"]
    assert [c["first_name"] for c in leeds] == ["Ben", "Dan"]
    with app.app_context():
        from modules.contacts.models import Tag

        donor = db.session.scalar(db.select(Tag.id).where(Tag.name == "Donor"))
    either = api.get(f"contacts?f=city:is:leeds&f=tag:is:{donor}&match=any&fields=first_name").get_json()["data"]
    assert [c["first_name"] for c in either] == ["Ava", "Ben", "Dan"]
    assert [c["first_name"] for c in api.get("contacts?q=cat").get_json()["data"]] == ["Cat"]
    bad = api.get("contacts?f=shoe:is:9")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "f[0]"
    filters = {f["key"]: f for f in api.get("contacts/filters").get_json()}
    assert filters["city"]["ops"] == {"is": "is", "is_not": "is not"}
    assert [h["display_name"] for h in api.get("households").get_json()["data"]] == ["Not a person"]


def test_a_page_costs_the_same_queries_whatever_its_size(app, admin):
    api = api_for(app, admin.email)
    _field(app, key="year", label="Year", type="number")

    def add(n, start):
        for i in range(n):
            api.post("contacts?create_anyway=true", json={"first_name": f"P{start + i}", "tags": ["T"],
                                                          "emails": [{"email": f"p{start + i}@example.org"}],
                                                          "custom_fields": {"year": i}})

    add(3, 0)
    with counted_queries(app) as few:
        assert len(api.get("contacts?limit=50").get_json()["data"]) == 3
    add(30, 3)
    with counted_queries(app) as many:
        assert len(api.get("contacts?limit=50").get_json()["data"]) == 33
    assert len(many) == len(few) <= 15
    with counted_queries(app) as sparse:
        names = api.get("contacts?limit=50&fields=display_name").get_json()["data"]
    assert len(names) == 33 and set(names[0]) == {"id", "display_name"}
    assert len(sparse) <= len(many) - 6  # no details, tags, custom values, ids, relationships read


def test_external_ids_follow_a_merge_are_exported_and_erased(app, admin):
    from modules.contacts.dedupe import merge
    from modules.contacts.people import privacy

    api = api_for(app, admin.email)
    keep = api.post("contacts", json={"first_name": "Kim", "external_ids": {"stripe": "cus_k"}}).get_json()
    gone = api.post("contacts", json={"first_name": "Kim", "last_name": "B", "external_ids": {
        "stripe": "cus_other", "mis": "M-9"}}).get_json()
    with app.app_context():
        from app.models import User

        survivor, merged = db.session.get(Contact, keep["id"]), db.session.get(Contact, gone["id"])
        merge.merge(survivor, merged, {}, user=db.session.get(User, admin.id))
        db.session.commit()
    # The survivor keeps its own Stripe id and gains the MIS id it lacked.
    assert api.get(f"contacts/{keep['id']}").get_json()["external_ids"] == {"mis": "M-9", "stripe": "cus_k"}
    assert api.get("contacts?external_id=mis:M-9&fields=id").get_json()["data"] == [{"id": keep["id"]}]
    with app.app_context():
        contact = db.session.get(Contact, keep["id"])
        assert privacy.export_data(contact)["external_ids"] == {"mis": "M-9", "stripe": "cus_k"}
        privacy.erase(contact)
        db.session.commit()
    assert _count(app, ExternalId) == 0
