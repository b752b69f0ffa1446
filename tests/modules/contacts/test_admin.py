"""Contacts admin: custom fields, tags and relationship types."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.models import (
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
)
from modules.contacts.people import records
from tests.conftest import login, make_user, post_form

FIELDS = "/contacts/admin/fields"
TAGS = "/contacts/admin/tags"
TYPES = "/contacts/admin/relationship-types"


def audit_summaries(app, object_type: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.object_type == object_type)
                                       .order_by(AuditEntry.id)))


def new_field(client, **data):
    form = {"label": "Year group", "key": "", "type": "text", "kinds": ["person"], "choices": "", "active": "y"}
    form.update(data)
    return post_form(client, f"{FIELDS}/new", form)


def field_by_key(app, key: str) -> CustomField | None:
    with app.app_context():
        field = db.session.scalar(db.select(CustomField).where(CustomField.key == key))
        if field is not None:
            db.session.expunge(field)
        return field


def people_with(app, *names):
    with app.app_context():
        ids = [records.create("person", {"first_name": n, "last_name": "Test"}).id for n in names]
        db.session.commit()
        return ids


# --- Landing page and permissions ---------------------------------------------------

def test_landing_page_links_the_sections(admin_client):
    page = admin_client.get("/contacts/admin").get_data(as_text=True)
    for link in (FIELDS, TAGS, TYPES, "/contacts/trash"):
        assert f'href="{link}"' in page


def test_staff_cannot_open_the_admin_pages(app, client):
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    for url in ("/contacts/admin", FIELDS, f"{FIELDS}/new", TAGS, TYPES):
        assert client.get(url).status_code == 403, url


# --- Custom fields ----------------------------------------------------------------------

def test_create_a_field_with_a_key_made_from_the_label(app, admin_client):
    response = new_field(admin_client, label="Year group (2024–25)", kinds=["person", "household"])
    assert response.status_code == 303
    field = field_by_key(app, "year_group_2024_25")
    assert field.label == "Year group (2024–25)" and field.type == "text"
    assert field.kinds == ["person", "household"] and field.active
    page = admin_client.get(FIELDS).get_data(as_text=True)
    assert "year_group_2024_25" in page and "People, Households" in page
    assert audit_summaries(app, "contacts_custom_field") == [
        "Created the custom field Year group (2024–25) (year_group_2024_25)"]


def test_field_validation_errors_show_next_to_the_fields(app, admin_client):
    assert new_field(admin_client, label="Grade").status_code == 303
    duplicate = new_field(admin_client, label="Grade again", key="grade")
    assert duplicate.status_code == 422
    assert "Another custom field already has the key “grade”" in duplicate.get_data(as_text=True)

    same_label = new_field(admin_client, label="Grade")
    assert same_label.status_code == 422 and "already has the key" in same_label.get_data(as_text=True)

    builtin = new_field(admin_client, label="Email")
    assert builtin.status_code == 422 and "is a built-in contact field" in builtin.get_data(as_text=True)

    no_choices = new_field(admin_client, label="Size", type="choice", choices="  \n ")
    assert no_choices.status_code == 422
    assert "List at least one choice" in no_choices.get_data(as_text=True)

    twice = new_field(admin_client, label="Size", type="multi_choice", choices="S\nM\ns")
    assert twice.status_code == 422 and "“s” is listed twice" in twice.get_data(as_text=True)

    no_kinds = new_field(admin_client, label="Size", kinds=[])
    assert no_kinds.status_code == 422
    assert "Choose at least one kind of contact" in no_kinds.get_data(as_text=True)

    bad_key = new_field(admin_client, label="Size", key="2 big")
    assert bad_key.status_code == 422 and "lower-case letters" in bad_key.get_data(as_text=True)
    assert field_by_key(app, "size") is None


def test_edit_keeps_the_key_and_refuses_type_change_with_values(app, admin_client):
    new_field(admin_client, label="Shirt size", type="choice", choices="S\nM\nL")
    field = field_by_key(app, "shirt_size")
    url = f"{FIELDS}/{field.id}"
    # Without values, the type and label may change; the key stays.
    response = post_form(admin_client, url, {"label": "T-shirt size", "key": "hacked", "type": "text",
                                             "kinds": ["person"], "choices": "", "active": "y"})
    assert response.status_code == 303
    field = field_by_key(app, "shirt_size")
    assert field.label == "T-shirt size" and field.type == "text" and field.choices == []
    assert field_by_key(app, "hacked") is None

    (person,) = people_with(app, "Ann")
    with app.app_context():
        db.session.add(CustomValue(contact_id=person, field_id=field.id, value_text="Large"))
        db.session.commit()
    refused = post_form(admin_client, url, {"label": "T-shirt size", "type": "number", "kinds": ["person"],
                                            "active": "y"})
    assert refused.status_code == 422
    assert "The type cannot change: this field holds 1 value." in refused.get_data(as_text=True)
    assert field_by_key(app, "shirt_size").type == "text"
    updates = [s for s in audit_summaries(app, "contacts_custom_field") if s.startswith("Edited")]
    assert updates == ["Edited the custom field T-shirt size (shirt_size)"]


def test_removing_a_choice_in_use_warns_with_the_count_and_keeps_values(app, admin_client):
    new_field(admin_client, label="Level", type="choice", choices="Gold\nSilver\nBronze")
    field = field_by_key(app, "level")
    ann, bob, cy = people_with(app, "Ann", "Bob", "Cy")
    with app.app_context():
        db.session.add_all([CustomValue(contact_id=c, field_id=field.id, value_text="Gold") for c in (ann, bob)]
                           + [CustomValue(contact_id=cy, field_id=field.id, value_text="Silver")])
        db.session.commit()
    data = {"label": "Level", "type": "choice", "kinds": ["person"], "choices": "Platinum\nSilver\nBronze",
            "active": "y"}
    url = f"{FIELDS}/{field.id}"
    warned = post_form(admin_client, url, data)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "“Gold”: 2 contacts" in page and "Save anyway" in page
    assert field_by_key(app, "level").choices == ["Gold", "Silver", "Bronze"]  # nothing saved yet

    token = re.search(r'name="confirm_choices" type="hidden" value="(\w+)"', page).group(1)
    # Removing another choice in use after the warning warns again.
    again = post_form(admin_client, url, {**data, "choices": "Platinum\nBronze", "confirm_choices": token})
    assert again.status_code == 422 and "“Silver”: 1 contact" in again.get_data(as_text=True)
    saved = post_form(admin_client, url, {**data, "confirm_choices": token})
    assert saved.status_code == 303
    assert field_by_key(app, "level").choices == ["Platinum", "Silver", "Bronze"]
    with app.app_context():
        kept = db.session.scalars(db.select(CustomValue.value_text).where(CustomValue.field_id == field.id)).all()
    assert sorted(kept) == ["Gold", "Gold", "Silver"]
    assert "kept values of removed choices: Gold (2)" in audit_summaries(app, "contacts_custom_field")[-1]


def test_reorder_and_deactivate(app, admin_client):
    for label in ("First", "Second", "Third"):
        new_field(admin_client, label=label)
    third = field_by_key(app, "third")
    move = post_form(admin_client, f"{FIELDS}/{third.id}/move", {"direction": "up"}, page=FIELDS)
    assert move.status_code == 303
    with app.app_context():
        order = db.session.scalars(db.select(CustomField.key).order_by(CustomField.position)).all()
    assert order == ["first", "third", "second"]
    first = field_by_key(app, "first")
    post_form(admin_client, f"{FIELDS}/{first.id}/move", {"direction": "up"}, page=FIELDS)  # already first
    post_form(admin_client, f"{FIELDS}/{first.id}/move", {"direction": "down"}, page=FIELDS)
    with app.app_context():
        order = db.session.scalars(db.select(CustomField.key).order_by(CustomField.position)).all()
    assert order == ["third", "first", "second"]
    page = admin_client.get(FIELDS).get_data(as_text=True)
    assert page.index(">Third<") < page.index(">First<") < page.index(">Second<")

    response = post_form(admin_client, f"{FIELDS}/{first.id}", {"label": "First", "type": "text",
                                                                 "kinds": ["person"]})
    assert response.status_code == 303
    assert field_by_key(app, "first").active is False
    assert "Inactive" in admin_client.get(FIELDS).get_data(as_text=True)


def test_delete_a_field_says_how_many_values_go(app, admin_client):
    new_field(admin_client, label="Notes two", type="long_text")
    field = field_by_key(app, "notes_two")
    ann, bob = people_with(app, "Ann", "Bob")
    with app.app_context():
        db.session.add_all([CustomValue(contact_id=c, field_id=field.id, value_text="x") for c in (ann, bob)])
        db.session.commit()
    confirm = admin_client.get(f"{FIELDS}/{field.id}/delete")
    assert confirm.status_code == 200
    assert "2 values on 2 contacts will be deleted with it" in confirm.get_data(as_text=True)
    assert field_by_key(app, "notes_two") is not None  # GET changes nothing
    response = post_form(admin_client, f"{FIELDS}/{field.id}/delete", {}, page=f"{FIELDS}/{field.id}/delete")
    assert response.status_code == 303
    assert field_by_key(app, "notes_two") is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(CustomValue.id))) == 0
    assert audit_summaries(app, "contacts_custom_field")[-1] == (
        "Deleted the custom field Notes two (notes_two) and its 2 values")


def test_field_labels_with_html_are_shown_as_text(app, admin_client):
    new_field(admin_client, label="<b>Bold</b> <script>x()</script>", key="bold")
    page = admin_client.get(FIELDS).get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &lt;script&gt;" in page and "<script>x()" not in page


# --- Tags -----------------------------------------------------------------------------------

def make_tags(app, *names_colours) -> list[int]:
    with app.app_context():
        tags = [Tag(name=n, colour=c) for n, c in names_colours]
        db.session.add_all(tags)
        db.session.commit()
        return [t.id for t in tags]


def tag_links(app, contact_ids, tag_id):
    with app.app_context():
        db.session.add_all([ContactTag(contact_id=c, tag_id=tag_id) for c in contact_ids])
        db.session.commit()


def test_tags_list_with_counts_in_one_grouped_query(app, admin_client):
    donor, volunteer = make_tags(app, ("Donor", "green"), ("Volunteer", "purple"))
    ids = people_with(app, "Ann", "Bob", "Cy")
    tag_links(app, ids, donor)
    tag_links(app, ids[:1], volunteer)
    page = admin_client.get(TAGS).get_data(as_text=True)
    donor_row = page[page.index("tag-chip tag-green"):]
    assert "Donor" in donor_row[:200] and ">3<" in donor_row[:700]
    assert "Green" in page and "Purple" in page  # colour named, not only shown


def test_create_rename_recolour_and_refuse_duplicate_names(app, admin_client):
    response = post_form(admin_client, f"{TAGS}/new", {"name": "Donor", "colour": "green"}, page=TAGS)
    assert response.status_code == 303
    duplicate = post_form(admin_client, f"{TAGS}/new", {"name": "  dONOR ", "colour": "blue"}, page=TAGS)
    assert duplicate.status_code == 422
    assert "A tag named “dONOR” already exists (names ignore case)." in duplicate.get_data(as_text=True)
    bad_colour = post_form(admin_client, f"{TAGS}/new", {"name": "Other", "colour": "chartreuse"}, page=TAGS)
    assert bad_colour.status_code == 422

    (volunteer,) = make_tags(app, ("Volunteer", "blue"))
    url = f"{TAGS}/{volunteer}"
    clash = post_form(admin_client, url, {"name": "donor", "colour": "blue"})
    assert clash.status_code == 422 and "Another tag is named “donor”" in clash.get_data(as_text=True)
    renamed = post_form(admin_client, url, {"name": "Volunteers", "colour": "orange"})
    assert renamed.status_code == 303
    with app.app_context():
        tag = db.session.get(Tag, volunteer)
        assert (tag.name, tag.colour) == ("Volunteers", "orange")
    summaries = audit_summaries(app, "contacts_tag")
    assert summaries == ["Created the tag Donor", "Edited the tag Volunteer"]


def test_merge_moves_links_without_duplicates(app, admin_client):
    donors, givers, other = make_tags(app, ("Donors", "green"), ("Givers", "blue"), ("Other", "grey"))
    ann, bob, cy = people_with(app, "Ann", "Bob", "Cy")
    tag_links(app, [ann, bob], givers)
    tag_links(app, [bob, cy], donors)
    tag_links(app, [ann], other)
    page = admin_client.get(f"{TAGS}/{givers}/merge").get_data(as_text=True)
    assert "2 contacts have the tag Givers" in page
    response = post_form(admin_client, f"{TAGS}/{givers}/merge", {"target": str(donors)})
    assert response.status_code == 303
    with app.app_context():
        links = db.session.execute(db.select(ContactTag.contact_id, ContactTag.tag_id)
                                   .order_by(ContactTag.tag_id, ContactTag.contact_id)).all()
        assert db.session.get(Tag, givers) is None
    assert sorted(links) == sorted([(ann, donors), (bob, donors), (cy, donors), (ann, other)])
    summaries = audit_summaries(app, "contacts_tag")
    assert "Merged the tag Givers into Donors: 2 contacts had it, 1 contact newly tagged Donors" in summaries
    assert "Deleted the tag Givers (merged into Donors)" in summaries


def test_merge_needs_a_target(app, admin_client):
    first, _ = make_tags(app, ("A", "green"), ("B", "blue"))
    response = post_form(admin_client, f"{TAGS}/{first}/merge", {"target": "0"})
    assert response.status_code == 422 and "Choose the tag to keep." in response.get_data(as_text=True)


def test_delete_a_tag_says_how_many_contacts_lose_it(app, admin_client):
    (tag,) = make_tags(app, ("Lapsed", "brown"))
    tag_links(app, people_with(app, "Ann", "Bob"), tag)
    confirm = admin_client.get(f"{TAGS}/{tag}/delete").get_data(as_text=True)
    assert "Delete the tag Lapsed? 2 contacts will lose it. This cannot be undone." in confirm
    # The list's button asks the same with hx-confirm.
    assert 'hx-confirm="Delete the tag Lapsed? 2 contacts lose it. This cannot be undone."' in (
        admin_client.get(TAGS).get_data(as_text=True))
    response = post_form(admin_client, f"{TAGS}/{tag}/delete", {}, page=TAGS)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Tag, tag) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(ContactTag)) == 0
    assert audit_summaries(app, "contacts_tag")[-1] == "Deleted the tag Lapsed; 2 contacts lost it"


def test_tag_names_with_html_are_text(app, admin_client):
    make_tags(app, ("<img src=x onerror=alert(1)>", "pink"))
    page = admin_client.get(TAGS).get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# --- Relationship types --------------------------------------------------------------------

def builtin_types() -> list[tuple[str, str, str]]:
    """The built-in types as the migration seeds them (the tests empty every table)."""
    path = Path(__file__).parents[3] / "modules/contacts/migrations/contacts_0001_contacts_tables.py"
    spec = importlib.util.spec_from_file_location("contacts_0001", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration.RELATIONSHIP_TYPES


@pytest.fixture
def seeded_types(app):
    with app.app_context():
        if not db.session.scalar(db.select(RelationshipType.id).limit(1)):
            db.session.add_all([RelationshipType(key=k, a_to_b=a, b_to_a=b) for k, a, b in builtin_types()])
            db.session.commit()


def type_named(app, a_to_b: str) -> RelationshipType | None:
    with app.app_context():
        rtype = db.session.scalar(db.select(RelationshipType).where(RelationshipType.a_to_b == a_to_b))
        if rtype is not None:
            db.session.expunge(rtype)
        return rtype


def test_relationship_types_crud(app, admin_client, seeded_types):
    page = admin_client.get(TYPES).get_data(as_text=True)
    assert "guardian of" in page and "Built-in" in page

    missing = post_form(admin_client, f"{TYPES}/new", {"a_to_b": "mentor of", "b_to_a": ""})
    assert missing.status_code == 422
    assert "Enter how the second contact relates to the first" in missing.get_data(as_text=True)
    created = post_form(admin_client, f"{TYPES}/new", {"a_to_b": "mentor of", "b_to_a": "mentee of"})
    assert created.status_code == 303
    mentor = type_named(app, "mentor of")
    assert mentor.b_to_a == "mentee of" and mentor.key is None
    twin = post_form(admin_client, f"{TYPES}/new", {"a_to_b": "Mentee of", "b_to_a": "mentor of"})
    assert twin.status_code == 422 and "already exists" in twin.get_data(as_text=True)

    symmetric = post_form(admin_client, f"{TYPES}/new", {"a_to_b": "friend of", "symmetric": "y",
                                                          "b_to_a": "ignored"})
    assert symmetric.status_code == 303
    assert type_named(app, "friend of").b_to_a == "friend of"

    edited = post_form(admin_client, f"{TYPES}/{mentor.id}", {"a_to_b": "coach of", "b_to_a": "coachee of"})
    assert edited.status_code == 303
    assert type_named(app, "coach of").b_to_a == "coachee of"

    ann, bob = people_with(app, "Ann", "Bob")
    with app.app_context():
        db.session.add(Relationship(type_id=mentor.id, contact_a_id=ann, contact_b_id=bob))
        db.session.commit()
    confirm = admin_client.get(f"{TYPES}/{mentor.id}/delete").get_data(as_text=True)
    assert "1 relationship of this type will be deleted with it" in confirm
    deleted = post_form(admin_client, f"{TYPES}/{mentor.id}/delete", {}, page=TYPES)
    assert deleted.status_code == 303
    assert type_named(app, "coach of") is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Relationship.id))) == 0
    assert audit_summaries(app, "contacts_relationship_type") == [
        "Created the relationship type mentor of / mentee of",
        "Created the relationship type friend of / friend of",
        "Edited the relationship type mentor of / mentee of",
        "Deleted the relationship type coach of / coachee of and 1 relationship",
    ]


def test_built_in_types_can_be_renamed_but_not_deleted(app, admin_client, seeded_types):
    guardian = type_named(app, "guardian of")
    assert guardian.key == "guardian"
    page = admin_client.get(TYPES).get_data(as_text=True)
    assert f"{TYPES}/{guardian.id}/delete" not in page
    refused = post_form(admin_client, f"{TYPES}/{guardian.id}/delete", {}, page=TYPES)
    assert refused.status_code == 303
    assert "is built in and cannot be deleted" in admin_client.get(refused.location).get_data(as_text=True)
    assert admin_client.get(f"{TYPES}/{guardian.id}/delete").status_code == 303
    assert type_named(app, "guardian of") is not None

    renamed = post_form(admin_client, f"{TYPES}/{guardian.id}", {"a_to_b": "carer of", "b_to_a": "cared for by"})
    assert renamed.status_code == 303
    carer = type_named(app, "carer of")
    assert carer.key == "guardian" and carer.b_to_a == "cared for by"
