"""The filter builder: every built-in criterion, custom fields of each type,
relationships, match all/any, and rules that cannot be read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from app.extensions import db
from app.models import User
from modules.contacts.models import (
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
)
from modules.contacts.people import records
from tests.modules.contacts.test_listing import names, person


def _world(app) -> dict:
    """A handful of contacts that differ in every filterable way."""
    with app.app_context():
        owner = db.session.scalar(db.select(User))
        ann = person("Ann", "Able", email="ann@example.org", city="Leeds", postcode="LS1 1AA", country="GB",
                     owner_id=owner.id)
        bob = person("Bob", "Baker", city="York", postcode="YO1 7HH", country="GB", owner_id=None)
        cat = person("Cat", "Cole", email="cat@example.org", city="leeds", postcode="LS6 2BB", country="US",
                     owner_id=owner.id)
        org = records.create("organisation", {"name": "Dale Trust", "owner_id": None})
        records.set_opt_in(ann, "opted_in", "Web form")
        records.set_opt_in(bob, "opted_out", "Phone")
        volunteer, donor = Tag(name="Volunteer"), Tag(name="Donor")
        db.session.add_all([volunteer, donor])
        db.session.flush()
        db.session.add_all([ContactTag(contact_id=ann.id, tag_id=volunteer.id),
                            ContactTag(contact_id=bob.id, tag_id=volunteer.id),
                            ContactTag(contact_id=bob.id, tag_id=donor.id)])
        ann.created_at = datetime(2024, 1, 10, 12, tzinfo=UTC)
        bob.created_at = datetime(2024, 3, 5, 12, tzinfo=UTC)
        cat.created_at = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)  # still 30 June in UTC (the default zone)
        org.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        for c, when in ((ann, 2025), (bob, 2024), (cat, 2024), (org, 2023)):
            c.updated_at = datetime(when, 2, 1, tzinfo=UTC)
        employer = RelationshipType(a_to_b="pays", b_to_a="is paid by")
        spouse = RelationshipType(a_to_b="twin of", b_to_a="twin of")
        db.session.add_all([employer, spouse])
        db.session.flush()
        db.session.add_all([Relationship(type_id=employer.id, contact_a_id=org.id, contact_b_id=ann.id),
                            Relationship(type_id=spouse.id, contact_a_id=bob.id, contact_b_id=cat.id)])
        fields = {}
        for key, kind, choices in (("school", "text", []), ("gift_aid", "yes_no", []), ("age", "number", []),
                                   ("joined", "date", []), ("size", "choice", ["S", "M", "L"]),
                                   ("skills", "multi_choice", ["Cooking", "Driving", "First aid"])):
            fields[key] = CustomField(key=key, label=key.replace("_", " ").title(), type=kind, choices=choices,
                                      kinds=["person"])
        db.session.add_all(fields.values())
        db.session.flush()
        f = {k: v.id for k, v in fields.items()}
        db.session.add_all([
            CustomValue(contact_id=ann.id, field_id=f["school"], value_text="Riverside Primary"),
            CustomValue(contact_id=bob.id, field_id=f["school"], value_text="Hillside"),
            CustomValue(contact_id=ann.id, field_id=f["gift_aid"], value_bool=True),
            CustomValue(contact_id=bob.id, field_id=f["gift_aid"], value_bool=False),
            CustomValue(contact_id=ann.id, field_id=f["age"], value_number=Decimal("34")),
            CustomValue(contact_id=bob.id, field_id=f["age"], value_number=Decimal("71.5")),
            CustomValue(contact_id=ann.id, field_id=f["joined"], value_date=date(2019, 5, 1)),
            CustomValue(contact_id=cat.id, field_id=f["joined"], value_date=date(2022, 9, 1)),
            CustomValue(contact_id=ann.id, field_id=f["size"], value_text="M"),
            CustomValue(contact_id=cat.id, field_id=f["size"], value_text="L"),
            CustomValue(contact_id=ann.id, field_id=f["skills"], value_text="Cooking"),
            CustomValue(contact_id=ann.id, field_id=f["skills"], value_text="Driving"),
            CustomValue(contact_id=cat.id, field_id=f["skills"], value_text="Driving"),
        ])
        db.session.commit()
        return {"owner": owner.id, "volunteer": volunteer.id, "donor": donor.id, "employer": employer.id,
                "spouse": spouse.id}


def found(client, *rules: str, match: str = "all") -> list[str]:
    query = "&".join(f"f={r}" for r in rules)
    return sorted(names(client.get(f"/contacts/?{query}&match={match}")))


ALL = ["Ann Able", "Bob Baker", "Cat Cole", "Dale Trust"]


def test_kind_tag_owner_and_address(app, admin_client):
    ids = _world(app)
    c = admin_client
    assert found(c, "kind:is:organisation") == ["Dale Trust"]
    assert found(c, "kind:is_not:organisation") == ["Ann Able", "Bob Baker", "Cat Cole"]
    assert found(c, f"tag:is:{ids['volunteer']}") == ["Ann Able", "Bob Baker"]
    assert found(c, f"tag:is_not:{ids['volunteer']}") == ["Cat Cole", "Dale Trust"]
    assert found(c, f"tag:is:{ids['volunteer']}", f"tag:is:{ids['donor']}") == ["Bob Baker"]
    assert found(c, f"owner:is:{ids['owner']}") == ["Ann Able", "Cat Cole"]
    assert found(c, "owner:is:me") == ["Ann Able", "Cat Cole"]
    assert found(c, f"owner:is_not:{ids['owner']}") == ["Bob Baker", "Dale Trust"]
    assert found(c, "owner:none:") == ["Bob Baker", "Dale Trust"]
    assert found(c, "city:is:Leeds") == ["Ann Able", "Cat Cole"]  # "leeds" as typed too
    assert found(c, "city:is_not:leeds") == ["Bob Baker", "Dale Trust"]
    assert found(c, "postcode:starts:ls") == ["Ann Able", "Cat Cole"]
    assert found(c, "postcode:starts:LS1") == ["Ann Able"]
    assert found(c, "postcode:is:YO1 7HH") == ["Bob Baker"]
    assert found(c, "country:is:gb") == ["Ann Able", "Bob Baker"]
    assert found(c, "country:is_not:GB") == ["Cat Cole", "Dale Trust"]


def test_email_opt_in_and_dates(app, admin_client):
    _world(app)
    c = admin_client
    assert found(c, "has_email:yes:") == ["Ann Able", "Cat Cole"]
    assert found(c, "has_email:no") == ["Bob Baker", "Dale Trust"]
    assert found(c, "opt_in:is:opted_in") == ["Ann Able"]
    assert found(c, "opt_in:is:opted_out") == ["Bob Baker"]
    assert found(c, "opt_in:is:unknown") == ["Cat Cole", "Dale Trust"]
    assert found(c, "opt_in:is_not:unknown") == ["Ann Able", "Bob Baker"]
    assert found(c, "created:between:2024-01-01..2024-06-30") == ["Ann Able", "Bob Baker", "Cat Cole"]
    assert found(c, "created:between:2024-03-05..2024-03-05") == ["Bob Baker"]
    assert found(c, "created:between:2024-07-01..") == ["Dale Trust"]
    assert found(c, "created:between:..2024-01-10") == ["Ann Able"]
    assert found(c, "updated:between:2024-01-01..2024-12-31") == ["Bob Baker", "Cat Cole"]
    assert found(c, "updated:between:2025-01-01..") == ["Ann Able"]


def test_custom_fields_of_each_type(app, admin_client):
    _world(app)
    c = admin_client
    assert found(c, "cf_school:is:Hillside") == ["Bob Baker"]
    assert found(c, "cf_school:starts:River") == ["Ann Able"]
    assert found(c, "cf_school:set:") == ["Ann Able", "Bob Baker"]
    assert found(c, "cf_school:not_set:") == ["Cat Cole", "Dale Trust"]
    assert found(c, "cf_gift_aid:is:yes") == ["Ann Able"]
    assert found(c, "cf_gift_aid:is:no") == ["Bob Baker", "Cat Cole", "Dale Trust"]
    assert found(c, "cf_age:gt:40") == ["Bob Baker"]
    assert found(c, "cf_age:lt:40") == ["Ann Able"]
    assert found(c, "cf_age:eq:71.5") == ["Bob Baker"]
    assert found(c, "cf_joined:between:2020-01-01..") == ["Cat Cole"]
    assert found(c, "cf_joined:between:2019-05-01..2019-05-01") == ["Ann Able"]
    assert found(c, "cf_size:is:M") == ["Ann Able"]
    assert found(c, "cf_size:is_not:M") == ["Bob Baker", "Cat Cole", "Dale Trust"]
    assert found(c, "cf_skills:includes:Driving") == ["Ann Able", "Cat Cole"]
    assert found(c, "cf_skills:excludes:Cooking") == ["Bob Baker", "Cat Cole", "Dale Trust"]
    page = c.get("/contacts/?f=cf_size:is:M").get_data(as_text=True)
    assert '<optgroup label="Custom fields">' in page and '<option value="M" selected>M</option>' in page


def test_relationships_by_type_and_direction(app, admin_client):
    ids = _world(app)
    c = admin_client
    assert found(c, f"relationship:has:{ids['employer']}a") == ["Dale Trust"]
    assert found(c, f"relationship:has:{ids['employer']}b") == ["Ann Able"]
    assert found(c, f"relationship:has:{ids['spouse']}") == ["Bob Baker", "Cat Cole"]
    assert found(c, f"relationship:not:{ids['spouse']}") == ["Ann Able", "Dale Trust"]
    page = c.get(f"/contacts/?f=relationship:has:{ids['employer']}b").get_data(as_text=True)
    assert ">is paid by</option>" in page and ">pays</option>" in page


def test_match_all_and_any(app, admin_client):
    ids = _world(app)
    c = admin_client
    rules = ("city:is:York", "has_email:yes:")
    assert found(c, *rules, match="all") == []
    assert found(c, *rules, match="any") == ["Ann Able", "Bob Baker", "Cat Cole"]
    assert found(c, f"tag:is:{ids['donor']}", "kind:is:organisation", match="any") == ["Bob Baker", "Dale Trust"]
    assert found(c, "kind:is:person", "city:is:leeds", match="all") == ["Ann Able", "Cat Cole"]
    # search and rules together
    assert sorted(names(c.get("/contacts/?q=cat&f=has_email:yes:"))) == ["Cat Cole"]


def test_malformed_rules_get_a_message_and_are_ignored(app, admin_client):
    _world(app)
    for rule, message in (
        ("nonsense:is:1", "There is no filter called “nonsense”"),
        ("tag:is:abc", "Choose a tag."),
        ("tag:bogus:1", "“Tag” has no condition “bogus”"),
        ("created:between:yesterday..", "is not a date"),
        ("created:between:2024-05-01..2024-01-01", "The first date comes after the second."),
        ("country:is:Britain", "Choose a country from the list."),
        ("cf_age:gt:lots", "is not a number"),
        ("cf_size:is:XXL", "Choose one of the choices."),
        ("relationship:has:zz", "Choose a kind of relationship."),
        ("kind:is:robot", "Choose a kind of contact."),
        ("::", "There is no filter called"),
        ("cf_gift_aid:is:maybe", "Choose yes or no."),
    ):
        response = admin_client.get(f"/contacts/?f={rule}&f=kind:is:organisation")
        text = response.get_data(as_text=True)
        assert response.status_code == 200, rule
        assert message in text, (rule, message)
        assert sorted(names(response)) == ["Dale Trust"], rule  # the good rule still applies
    # an empty value is "not filled in yet": shown, not applied, no error
    response = admin_client.get("/contacts/?f=city:is:")
    assert sorted(names(response)) == ALL and "Choose a value, then apply the filters." in response.get_data(
        as_text=True)


def test_criteria_come_from_every_enabled_module_with_permission(app, admin_client):
    _world(app)
    row = admin_client.get("/contacts/filters/row?fk=tag&i=1").get_data(as_text=True)
    assert 'name="fk"' in row and ">Volunteer</option>" in row and 'id="fk-2"' in row  # plus a new empty row
    single = admin_client.get("/contacts/filters/row?fk=created&i=0&single=1").get_data(as_text=True)
    assert 'type="date" name="fv"' in single and 'name="fv2"' in single and "Add a rule" not in single
    empty = admin_client.get("/contacts/filters/row?fk=&i=3").get_data(as_text=True)
    assert "Add a rule" in empty and 'id="fk-3"' in empty
