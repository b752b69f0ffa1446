"""The helpdesk pages: teams (add, edit), a ticket's properties through the
edit guard, the queues with their filters and bulk changes, and who may
see what."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Mailbox
from modules.helpdesk.models import Team, Ticket
from tests.conftest import csrf_from, login, make_user, post_form


def add_tickets(app, *subjects: str, team: str = "Supporter care") -> list[int]:
    with app.app_context():
        box = Mailbox(name="Support", kind="helpdesk.tickets", host="", port=993, security="ssl", username="",
                      password="", folder="INBOX", after="seen", move_to="", last_uid=0)
        db.session.add(box)
        db.session.flush()
        group = Team(name=team, address="support@charity.example", mailbox_id=box.id, acknowledge=False)
        db.session.add(group)
        db.session.flush()
        rows = [Ticket(subject=s, subject_key=s.lower(), requester_email=f"{i}@example.org", team_id=group.id)
                for i, s in enumerate(subjects)]
        db.session.add_all(rows)
        db.session.commit()
        return [t.id for t in rows]


def test_a_team_is_added_with_its_mailbox_and_edited(admin_client, app):
    add_tickets(app)  # a mailbox of the helpdesk kind to choose
    with app.app_context():
        box_id = db.session.scalar(select(Mailbox.id))
        db.session.execute(Team.__table__.delete())
        db.session.commit()
    response = post_form(admin_client, "/helpdesk/teams/new", {
        "name": "Parents' office", "address": "Office@School.example", "mailbox_id": str(box_id),
        "acknowledge": "y"})
    assert response.status_code == 303
    with app.app_context():
        team = db.session.scalar(select(Team))
        assert (team.name, team.address, team.mailbox_id, team.acknowledge) == (
            "Parents' office", "office@school.example", box_id, True)
        team_id = team.id
    page = admin_client.get("/helpdesk/teams").get_data(as_text=True)
    assert "Parents&#39; office" in page and "office@school.example" in page
    duplicate = post_form(admin_client, "/helpdesk/teams/new", {"name": "Parents' office", "mailbox_id": "None"})
    assert duplicate.status_code == 422 and "There is already a team named" in duplicate.get_data(as_text=True)
    edit = admin_client.get(f"/helpdesk/teams/{team_id}").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', edit).group(1)
    saved = post_form(admin_client, f"/helpdesk/teams/{team_id}", {
        "name": "Parents' office", "address": "parents@school.example", "mailbox_id": "None",
        "edit_token": token})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(Team, team_id).address == "parents@school.example"
        assert db.session.get(Team, team_id).mailbox_id is None


def test_ticket_properties_save_and_a_clash_with_a_colleague_is_shown(admin_client, app, admin):
    [ticket_id] = add_tickets(app, "Printer on fire")
    page = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page).group(1)
    with app.app_context():  # a colleague sets the priority meanwhile
        db.session.get(Ticket, ticket_id).priority = "low"
        db.session.commit()
    clash = post_form(admin_client, f"/helpdesk/tickets/{ticket_id}", {
        "status": "open", "priority": "urgent", "team_id": "None", "assignee_id": str(admin.id), "tags": "",
        "edit_token": token}, page=f"/helpdesk/tickets/{ticket_id}")
    assert clash.status_code == 409
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).priority == "low"
    saved = post_form(admin_client, f"/helpdesk/tickets/{ticket_id}", {
        "status": "open", "priority": "low", "team_id": "None", "assignee_id": str(admin.id),
        "tags": " billing ,  urgent,", "edit_token": token, "edit_keep-priority": "theirs"},
        page=f"/helpdesk/tickets/{ticket_id}")
    assert saved.status_code == 303
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.priority, ticket.assignee_id, ticket.team_id, ticket.tags) == (
            "open", "low", admin.id, None, "billing, urgent")


def test_queues_filter_and_bulk_assign_and_solve(admin_client, app, admin):
    ids = add_tickets(app, "Gift Aid form", "Receipt missing", "Change of address")
    mine = admin_client.get("/helpdesk/").get_data(as_text=True)
    assert "No tickets here." in mine  # "My tickets" first: none assigned yet
    everything = admin_client.get("/helpdesk/?view=all").get_data(as_text=True)
    assert all(f"#{i + 1000}" in everything for i in ids)
    filtered = admin_client.get("/helpdesk/?view=all&q=receipt").get_data(as_text=True)
    assert "Receipt missing" in filtered and "Gift Aid form" not in filtered
    response = admin_client.post("/helpdesk/bulk", data={
        "csrf_token": csrf_from(admin_client, "/helpdesk/?view=all"), "ticket": [str(ids[0]), str(ids[1])],
        "assignee": str(admin.id), "status": "solved"})
    assert response.status_code == 303
    with app.app_context():
        rows = {t.id: (t.assignee_id, t.status) for t in db.session.scalars(select(Ticket))}
    assert rows == {ids[0]: (admin.id, "solved"), ids[1]: (admin.id, "solved"), ids[2]: (None, "new")}
    active = admin_client.get("/helpdesk/?view=all").get_data(as_text=True)
    assert "Gift Aid form" not in active and "Change of address" in active


def test_a_volunteer_without_helpdesk_permissions_is_turned_away(client, app):
    [ticket_id] = add_tickets(app, "Private matter")
    make_user(app, email="vol@example.org", role_key="volunteer", name="Val Volunteer")
    login(client, "vol@example.org")
    assert client.get("/helpdesk/teams").status_code == 403
    response = client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": csrf_from(client, "/"), "body": "hi", "kind": "reply", "then": ""})
    assert response.status_code == 403


def _conversation(app, ticket_id: int, count: int) -> None:
    from modules.helpdesk.models import TicketAttachment, TicketMessage

    with app.app_context():
        for i in range(count):
            message = TicketMessage(ticket_id=ticket_id, direction="in", from_address="a@example.org",
                                    body_text=f"<script>alert({i})</script> message {i}",
                                    new_text=f"<script>alert({i})</script> message {i}")
            db.session.add(message)
            db.session.flush()
            db.session.add(TicketAttachment(message_id=message.id, filename=f"f{i}.txt", size=1, path=""))
        db.session.commit()


def test_pages_cost_the_same_number_of_queries_however_many_rows(admin_client, app):
    from tests.conftest import counted_queries

    few = add_tickets(app, *(f"Question {i}" for i in range(3)))
    _conversation(app, few[0], 2)
    admin_client.get("/helpdesk/?view=all")  # warm caches (permissions, settings)
    with counted_queries(app) as small_queue:
        admin_client.get("/helpdesk/?view=all")
    with counted_queries(app) as small_ticket:
        admin_client.get(f"/helpdesk/tickets/{few[0]}")
    with app.app_context():
        team_id = db.session.scalar(select(Team.id))
        db.session.add_all(Ticket(subject=f"More {i}", subject_key=f"more {i}", requester_email="b@example.org",
                                  team_id=team_id) for i in range(40))
        db.session.commit()
    _conversation(app, few[0], 30)
    with counted_queries(app) as big_queue:
        page = admin_client.get("/helpdesk/?view=all").get_data(as_text=True)
    with counted_queries(app) as big_ticket:
        ticket_page = admin_client.get(f"/helpdesk/tickets/{few[0]}").get_data(as_text=True)
    assert page.count('name="ticket"') == 43
    assert len(big_queue) == len(small_queue)
    assert len(big_ticket) == len(small_ticket)
    # What people wrote is shown as text: a script in a message is inert.
    assert "&lt;script&gt;alert(29)&lt;/script&gt; message 29" in ticket_page
    assert "<script>alert(" not in ticket_page


def test_a_mailbox_and_its_team_are_added_from_the_shell(app):
    from app.models import Mailbox

    cli = app.test_cli_runner()
    result = cli.invoke(args=["helpdesk", "mailbox", "add", "Support", "--address", "Support@Charity.example",
                              "--team", "Supporter care", "--imap-url",
                              "imaps://support%40charity.example:p%40ss@imap.charity.example/Helpdesk"])
    assert result.exit_code == 0, result.output
    assert "feeds the team 'Supporter care' (support@charity.example)" in result.output
    piped = cli.invoke(args=["helpdesk", "mailbox", "add", "Office", "--address", "office@school.example"])
    assert "piped in: flask mail receive 'Office'" in piped.output
    again = cli.invoke(args=["helpdesk", "mailbox", "add", "support", "--address", "x@example.org"])
    assert again.exit_code != 0 and "There is already a mailbox named 'support'" in again.output
    with app.app_context():
        boxes = {b.name: (b.kind, b.host, b.port, b.security, b.username, b.password, b.folder)
                 for b in db.session.scalars(select(Mailbox))}
        teams = {t.name: (t.address, t.mailbox_id is not None) for t in db.session.scalars(select(Team))}
    assert boxes == {"Support": ("helpdesk.tickets", "imap.charity.example", 993, "ssl", "support@charity.example",
                                 "p@ss", "Helpdesk"),
                     "Office": ("helpdesk.tickets", "", 993, "ssl", "", "", "INBOX")}
    assert teams == {"Supporter care": ("support@charity.example", True), "Office": ("office@school.example", True)}
