"""The trash: list, restore, purge (administrators), empty old items."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEntry, Role, RolePermission, User
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.contacts.people import records
from tests.conftest import login, logout, make_user, post_form

TRASH = "/contacts/trash"


def make_people(app, *names, trashed=True, days_ago=0) -> list[int]:
    with app.app_context():
        people = [records.create("person", {"first_name": n, "last_name": "Test"}) for n in names]
        db.session.flush()
        if trashed:
            records.trash(people)
            if days_ago:
                for p in people:
                    p.deleted_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
        return [p.id for p in people]


def state(app, contact_id) -> str:
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        if contact is None:
            return "gone"
        return "trashed" if contact.deleted_at else "live"


def audit_summaries(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.summary)
                                       .where(AuditEntry.object_type == "contacts_contact").order_by(AuditEntry.id)))


@pytest.fixture
def trash_keeper(app, client):
    """A custom role that may trash and restore contacts but not purge them."""
    with app.app_context():
        role = Role(name="Trash keeper", grants=[RolePermission(permission=p)
                                                 for p in ("contacts.view", "contacts.delete")])
        db.session.add(role)
        db.session.commit()
        role_id = role.id
    with app.app_context():
        make_user(app, "keeper@example.org", name="Kim Keeper", role=db.session.get(Role, role_id))
    login(client, "keeper@example.org")
    return client


def test_lists_only_trashed_contacts_newest_deleted_first_with_who(app, admin_client, admin):
    make_people(app, "Olga", days_ago=3)
    make_people(app, "Nina")
    make_people(app, "Lena", trashed=False)
    page = admin_client.get(TRASH).get_data(as_text=True)
    assert "Lena" not in page
    assert page.index("Nina Test") < page.index("Olga Test")
    assert "Purging deletes a contact for good" in page and "audit log" in page
    # Who moved it there comes from the audit log.
    ursula, = make_people(app, "Ursula", trashed=False)
    with app.app_context():
        records.trash([db.session.get(Contact, ursula)], user=db.session.get(User, admin.id))
        db.session.commit()
    page = admin_client.get(TRASH).get_data(as_text=True)
    row = page[page.index("Ursula Test"):]
    assert admin.email in row[:800]


def test_trash_is_keyset_paged_by_deleted_at_and_id(app, admin_client, monkeypatch):
    from modules.contacts.views import trash as views

    names = [f"P{i:02d}" for i in range(7)]
    ids = make_people(app, *names)  # one trash call: all share one deleted_at, ordered by id
    original = views.trash_page
    monkeypatch.setattr(views, "trash_page", lambda per_page=3: original(per_page))
    seen, url = [], TRASH
    while url:
        page = admin_client.get(url).get_data(as_text=True)
        seen += re.findall(r"<td>(P\d\d) Test</td>", page)
        match = re.search(r'rel="next" href="([^"]+)"', page)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [f"P{i:02d}" for i in reversed(range(7))]
    assert len(ids) == 7
    last = admin_client.get(TRASH + "?before=" + "x").get_data(as_text=True)  # a bad cursor is ignored
    assert "P06 Test" in last
    back = re.search(r'rel="prev" href="([^"]+)"', page)
    assert back is not None
    newer = admin_client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r"<td>(P\d\d) Test</td>", newer) == ["P03", "P02", "P01"]


def test_restore_one_and_selected(app, trash_keeper):
    ann, bob, cy = make_people(app, "Ann", "Bob", "Cy")
    page = trash_keeper.get(TRASH).get_data(as_text=True)
    assert "/purge" not in page and "Empty the trash" not in page and "Only administrators can purge" in page
    response = post_form(trash_keeper, f"{TRASH}/{ann}/restore", {}, page=TRASH)
    assert response.status_code == 303
    assert state(app, ann) == "live"
    response = post_form(trash_keeper, f"{TRASH}/restore", {"ids": [str(bob), str(cy)]}, page=TRASH)
    assert response.status_code == 303
    assert (state(app, bob), state(app, cy)) == ("live", "live")
    assert "2 contacts restored." in trash_keeper.get(TRASH).get_data(as_text=True)
    assert audit_summaries(app).count("Restored Bob Test from the trash") == 1


def test_purge_needs_contacts_admin(app, trash_keeper):
    ann, = make_people(app, "Ann")
    assert trash_keeper.get(f"{TRASH}/{ann}/purge").status_code == 403
    token_page = TRASH
    assert post_form(trash_keeper, f"{TRASH}/{ann}/purge", {}, page=token_page).status_code == 403
    assert post_form(trash_keeper, f"{TRASH}/purge", {"ids": [str(ann)], "confirm": "1"},
                     page=token_page).status_code == 403
    assert post_form(trash_keeper, f"{TRASH}/empty", {"days": "1", "confirm": "1"},
                     page=token_page).status_code == 403
    assert state(app, ann) == "trashed"


def test_built_in_roles(app, client):
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    assert client.get(TRASH).status_code == 403
    assert client.get(f"{TRASH}/empty").status_code == 403
    logout(client)
    make_user(app, "manager@example.org", "manager", "Max Manager")
    login(client, "manager@example.org")
    assert client.get(TRASH).status_code == 200
    assert client.get(f"{TRASH}/empty").status_code == 200  # Manager gets contacts.admin by the suffix rule


def test_purge_one_after_confirmation(app, admin_client):
    ann, bob = make_people(app, "Ann", "Bob")
    confirm = admin_client.get(f"{TRASH}/{ann}/purge").get_data(as_text=True)
    assert "Purge Ann Test for good? This cannot be undone" in confirm
    assert state(app, ann) == "trashed"
    response = post_form(admin_client, f"{TRASH}/{ann}/purge", {}, page=TRASH)
    assert response.status_code == 303
    assert state(app, ann) == "gone" and state(app, bob) == "trashed"
    assert "Ann Test is purged for good." in admin_client.get(TRASH).get_data(as_text=True)
    assert "Purged Ann Test for good" in audit_summaries(app)


def test_purge_selected_confirms_the_count(app, admin_client):
    ann, bob, cy = make_people(app, "Ann", "Bob", "Cy")
    live, = make_people(app, "Lee", trashed=False)
    ask = post_form(admin_client, f"{TRASH}/purge", {"ids": [str(ann), str(bob), str(live)]}, page=TRASH)
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200
    assert "Purge 2 contacts for good? This cannot be undone" in page
    assert state(app, ann) == "trashed"
    done = post_form(admin_client, f"{TRASH}/purge", {"ids": [str(ann), str(bob), str(live)], "confirm": "1"},
                     page=TRASH)
    assert done.status_code == 303
    assert [state(app, i) for i in (ann, bob, cy, live)] == ["gone", "gone", "trashed", "live"]


def test_empty_the_trash_of_old_items(app, admin_client):
    old = make_people(app, "Old1", "Old2", days_ago=40)
    recent, = make_people(app, "Recent", days_ago=5)
    ask = post_form(admin_client, f"{TRASH}/empty", {"days": "30"}, page=TRASH)
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200
    assert "Purge 2 contacts deleted more than 30 days ago" in page and "cannot be undone" in page
    cutoff = re.search(r'name="cutoff" value="(\d+)"', page).group(1)
    invalid = post_form(admin_client, f"{TRASH}/empty", {"days": "0"}, page=TRASH)
    assert invalid.status_code == 422 and "from 1 to 36500" in invalid.get_data(as_text=True)
    done = post_form(admin_client, f"{TRASH}/empty", {"days": "30", "cutoff": cutoff, "confirm": "1"}, page=TRASH)
    assert done.status_code == 303
    assert [state(app, i) for i in old] == ["gone", "gone"]
    assert state(app, recent) == "trashed"
    assert "2 contacts deleted more than 30 days ago purged for good." in admin_client.get(TRASH).get_data(
        as_text=True)
    assert sum(s.startswith("Purged Old") for s in audit_summaries(app)) == 2


def test_names_with_html_are_text(app, admin_client):
    with app.app_context():
        person = records.create("person", {"first_name": "<script>alert(1)</script>", "last_name": "X"})
        records.trash([person])
        db.session.commit()
    page = admin_client.get(TRASH).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; X" in page
