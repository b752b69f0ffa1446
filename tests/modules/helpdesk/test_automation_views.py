"""The pages of SLAs and automation through the test client: canned
replies (written in the template editor, searched, inserted into the reply
box with and without HTMX, merge fields filled), rules built from a form,
hours and holidays, a ticket logged by an agent, merging from the ticket
page, CCs edited, attachments refused over the limit, presence."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import func, select

from app.extensions import db
from modules.helpdesk.automation_models import BusinessHours, CannedReply, Holiday, Rule, SlaPolicy
from modules.helpdesk.models import IN, MERGED, Team, Ticket, TicketMessage
from tests.conftest import csrf_from, make_user, post_form


def read(app, query):
    with app.app_context():
        return query(db.session)


def a_ticket(app, subject="Receipt missing", email="ann@example.org") -> int:
    from modules.contacts.people import records
    from modules.helpdesk import services

    with app.app_context():
        team = db.session.scalar(select(Team)) or Team(name="Supporter care", address="support@charity.example")
        db.session.add(team)
        person = records.create("person", {"first_name": "Ann", "last_name": "Able"}, records.Details(
            emails=[{"email": email, "label": "", "is_primary": True}]))
        ticket = services.open_ticket(subject=subject, requester=person, email=email, team=team)
        services.add_message(ticket, IN, text="Where is it?", from_address=email)
        db.session.commit()
        return ticket.id


def version_of(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def test_canned_reply_written_searched_and_inserted_with_merge_fields(app, admin_client):
    page = admin_client.get("/helpdesk/canned/new").get_data(as_text=True)
    assert "{{ contact.first_name }}" in page and "Merge fields" in page
    bad = post_form(admin_client, "/helpdesk/canned/new", {"name": "Oops", "format": "markdown", "shared": "y",
                                                            "body": "Hi {{ donor.name }}"})
    assert bad.status_code == 422 and "There is no merge field" in bad.get_data(as_text=True)
    saved = post_form(admin_client, "/helpdesk/canned/new", {
        "name": "Receipt resent", "format": "markdown", "shared": "y",
        "body": "Dear {{ contact.first_name }},\n\nWe resent the receipt for ticket #{{ ticket.number }}.\n\n"
                "{{ agent.name }}"})
    assert saved.status_code == 303
    post_form(admin_client, "/helpdesk/canned/new", {"name": "Mine only", "format": "markdown",
                                                     "body": "Private text about refunds"})
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(CannedReply))) == 2
    found = admin_client.get("/helpdesk/canned?q=refunds").get_data(as_text=True)
    assert "Mine only" in found and "Receipt resent" not in found
    by_name = admin_client.get("/helpdesk/canned?q=receipt", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Receipt resent" in by_name and "<html" not in by_name

    ticket_id = a_ticket(app)
    number = ticket_id + 1000
    html = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    canned_id = read(app, lambda s: s.scalar(select(CannedReply.id).where(CannedReply.name == "Receipt resent")))
    token = csrf_from(admin_client, f"/helpdesk/tickets/{ticket_id}")
    form = {"csrf_token": token, "version": version_of(html), "body": "Thanks for waiting.", "kind": "reply",
            "then": "", "canned": str(canned_id)}
    # without JavaScript: the whole page, the draft kept and the reply added after it
    page = admin_client.post(f"/helpdesk/tickets/{ticket_id}/canned", data=form).get_data(as_text=True)
    assert (f"Thanks for waiting.\n\nDear Ann,\n\nWe resent the receipt for ticket #{number}.\n\nAda Admin"
            in page.replace("&#39;", "'"))
    assert "<h1>" in page or "<h1 " in page
    # with HTMX: only the reply box
    fragment = admin_client.post(f"/helpdesk/tickets/{ticket_id}/canned", data=form,
                                 headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith("{#") is False and 'id="hd-reply-body"' in fragment
    assert f"We resent the receipt for ticket #{number}." in fragment and "<header" not in fragment
    nothing = admin_client.post(f"/helpdesk/tickets/{ticket_id}/canned", data={**form, "canned": ""},
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Choose a canned reply first." in nothing and "Thanks for waiting." in nothing


def test_a_personal_canned_reply_is_not_anyone_elses(app, admin_client, client):
    post_form(admin_client, "/helpdesk/canned/new", {"name": "Mine only", "format": "markdown",
                                                     "body": "Private"})
    reply_id = read(app, lambda s: s.scalar(select(CannedReply.id)))
    make_user(app, email="other@example.org", name="Other Agent")
    from tests.conftest import login, logout

    logout(admin_client)
    login(admin_client, "other@example.org")
    assert admin_client.get(f"/helpdesk/canned/{reply_id}").status_code == 404
    assert "Mine only" not in admin_client.get("/helpdesk/canned").get_data(as_text=True)


def test_a_rule_is_built_from_the_form(app, admin_client):
    a_ticket(app)  # a team to choose
    team_id = read(app, lambda s: s.scalar(select(Team.id)))
    page = admin_client.get("/helpdesk/rules/new").get_data(as_text=True)
    assert "Requester or their organisation is tagged" in page and "Supporter care" in page
    wrong = post_form(admin_client, "/helpdesk/rules/new", {
        "name": "Broken", "position": "1", "active": "y", "c0_kind": "team", "c0_choice": "999",
        "a0_kind": "priority", "a0_choice": "high"})
    assert wrong.status_code == 422 and "choose one of the offered values" in wrong.get_data(as_text=True)
    none = post_form(admin_client, "/helpdesk/rules/new", {"name": "No action", "position": "1", "active": "y"})
    assert none.status_code == 422 and "at least one action" in none.get_data(as_text=True)
    saved = post_form(admin_client, "/helpdesk/rules/new", {
        "name": "Major donors", "position": "1", "active": "y", "stop": "y",
        "c0_kind": "tag", "c0_value": "Major donor", "c1_kind": "team", "c1_choice": str(team_id),
        "a0_kind": "priority", "a0_choice": "high", "a1_kind": "tag", "a1_value": "VIP"})
    assert saved.status_code == 303
    rule = read(app, lambda s: s.scalar(select(Rule)))
    assert json.loads(rule.conditions) == [{"field": "tag", "value": "Major donor"},
                                           {"field": "team", "value": str(team_id)}]
    assert json.loads(rule.actions) == [{"action": "priority", "value": "high"}, {"action": "tag", "value": "VIP"}]
    listing = admin_client.get("/helpdesk/rules").get_data(as_text=True)
    assert "“Supporter care”" in listing and "set the priority to “High”" in listing and "; stop" in listing
    edit = admin_client.get(f"/helpdesk/rules/{rule.id}").get_data(as_text=True)
    assert 'value="Major donor"' in edit and f'<option value="{team_id}" selected>Supporter care</option>' in edit


def test_hours_holidays_and_policies_from_the_admin_page(app, admin_client):
    page = admin_client.get("/helpdesk/sla").get_data(as_text=True)
    assert 'value="09:00-17:00"' in page  # the default, Monday to Friday
    bad = post_form(admin_client, "/helpdesk/sla/hours", {"monday": "nine to five"}, page="/helpdesk/sla")
    assert bad.status_code == 422 and "Write the hours as 09:00-17:00" in bad.get_data(as_text=True)
    token = csrf_from(admin_client, "/helpdesk/sla")
    edit_token = re.search(r'name="edit_token" value="([^"]+)"', admin_client.get("/helpdesk/sla").get_data(
        as_text=True)).group(1)
    saved = admin_client.post("/helpdesk/sla/hours", data={
        "csrf_token": token, "edit_token": edit_token, "monday": "08:00-12:00, 13:00-17:00",
        "tuesday": "09:00-17:00", "wednesday": "", "thursday": "22:00-06:00", "friday": "09:00-13:00",
        "saturday": "", "sunday": ""})
    assert saved.status_code == 303
    spans = read(app, lambda s: s.execute(select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes)
                                          .order_by(BusinessHours.weekday, BusinessHours.opens)).all())
    assert spans == [(0, 480, 720), (0, 780, 1020), (1, 540, 1020), (3, 1320, 360), (4, 540, 780)]
    added = post_form(admin_client, "/helpdesk/sla/holidays", {"day": "2026-08-03", "name": "Summer closing"},
                      page="/helpdesk/sla")
    assert added.status_code == 303
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Inset day\r\n"
           b"DTSTART;VALUE=DATE:20260904\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    imported = post_form(admin_client, "/helpdesk/sla/holidays/import",
                         {"file": (io.BytesIO(ics), "school.ics")}, page="/helpdesk/sla",
                         content_type="multipart/form-data")
    assert imported.status_code == 303
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(Holiday))) == 2
    policy = post_form(admin_client, "/helpdesk/sla/policies", {
        "name": "Standard", "team_id": "None", "priority": "", "first_response_minutes": "240",
        "resolution_minutes": "2400"}, page="/helpdesk/sla")
    assert policy.status_code == 303
    page = admin_client.get("/helpdesk/sla").get_data(as_text=True)
    assert "Standard" in page and "4 h" in page and "40 h" in page
    assert read(app, lambda s: s.scalar(select(SlaPolicy.first_response_minutes))) == 240


def test_an_agent_logs_a_phone_ticket(app, admin_client):
    response = post_form(admin_client, "/helpdesk/tickets/new", {
        "email": "Caller@Example.org", "name": "Carl Caller", "channel": "phone", "subject": "Called about Gift Aid",
        "body": "Asked whether his gift can be Gift Aided.", "team_id": "None", "priority": "high"})
    assert response.status_code == 303
    ticket = read(app, lambda s: s.scalar(select(Ticket)))
    assert (ticket.channel, ticket.priority, ticket.requester_email) == ("phone", "high", "caller@example.org")
    [message] = read(app, lambda s: s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)).all())
    assert message.direction == IN and message.author_id is not None
    page = admin_client.get(f"/helpdesk/tickets/{ticket.id}").get_data(as_text=True)
    assert "Phone" in page and "Asked whether his gift can be Gift Aided." in page


def test_merge_from_the_ticket_page(app, admin_client):
    first, second = a_ticket(app, "First"), a_ticket(app, "Second", email="ann2@example.org")
    missing = post_form(admin_client, f"/helpdesk/tickets/{second}/merge", {"target": "#99999"},
                        page=f"/helpdesk/tickets/{second}")
    assert missing.status_code == 422 and "There is no ticket #99999." in missing.get_data(as_text=True)
    done = post_form(admin_client, f"/helpdesk/tickets/{second}/merge", {"target": f"#{first + 1000}"},
                     page=f"/helpdesk/tickets/{second}")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/helpdesk/tickets/{first}")
    assert read(app, lambda s: s.get(Ticket, second).status) == MERGED
    target = admin_client.get(f"/helpdesk/tickets/{first}").get_data(as_text=True)
    assert "was merged into this one: 1 message(s) moved here." in target and "ann2@example.org" in target
    merged = admin_client.get(f"/helpdesk/tickets/{second}").get_data(as_text=True)
    assert "This ticket was merged into" in merged


def test_reply_attachment_over_the_limit_is_refused_and_nothing_sent(app, admin_client):
    from app.models import MailMessage

    ticket_id = a_ticket(app)
    app.config["HELPDESK_ATTACHMENT_MAX_BYTES"] = 1000
    try:
        html = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
        response = admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
            "csrf_token": csrf_from(admin_client, f"/helpdesk/tickets/{ticket_id}"), "version": version_of(html),
            "body": "Attached.", "kind": "reply", "then": "", "files": (io.BytesIO(b"x" * 2000), "../../big.bin")},
            content_type="multipart/form-data")
    finally:
        app.config.pop("HELPDESK_ATTACHMENT_MAX_BYTES")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“big.bin” is over the 1000 bytes limit: nothing was sent." in page and "Attached." in page
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(MailMessage))) == 0


def test_ccs_are_edited_and_checked(app, admin_client):
    ticket_id = a_ticket(app)
    page = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page).group(1)
    base = {"csrf_token": csrf_from(admin_client, f"/helpdesk/tickets/{ticket_id}"), "edit_token": token,
            "status": "new", "priority": "normal", "team_id": "None", "assignee_id": "None", "tags": ""}
    bad = admin_client.post(f"/helpdesk/tickets/{ticket_id}", data={**base, "cc": "not an address"})
    assert bad.status_code == 422 and "Not an email address: not an address" in bad.get_data(as_text=True)
    ok = admin_client.post(f"/helpdesk/tickets/{ticket_id}", data={**base, "cc": "A@Example.org; b@example.org"})
    assert ok.status_code == 303
    assert read(app, lambda s: s.get(Ticket, ticket_id).cc) == "a@example.org, b@example.org"


def test_presence_shows_the_other_agent_viewing_and_typing(app, admin_client, client):
    ticket_id = a_ticket(app)
    make_user(app, email="bea@example.org", name="Bea Agent")
    other = app.test_client()
    from tests.conftest import login

    login(other, "bea@example.org")
    other.get(f"/helpdesk/tickets/{ticket_id}")
    seen = admin_client.get(f"/helpdesk/tickets/{ticket_id}/presence").get_data(as_text=True)
    assert "Bea Agent</strong> is viewing this ticket" in seen
    other.post(f"/helpdesk/tickets/{ticket_id}/presence",
               data={"csrf_token": csrf_from(other, f"/helpdesk/tickets/{ticket_id}")})
    seen = admin_client.get(f"/helpdesk/tickets/{ticket_id}/presence").get_data(as_text=True)
    assert "Bea Agent</strong> is typing a reply" in seen
    mine = other.get(f"/helpdesk/tickets/{ticket_id}/presence").get_data(as_text=True)
    assert "Bea Agent" not in mine and "Ada Admin</strong> is viewing" in mine


def test_presence_without_redis_shows_nothing(app, admin_client, monkeypatch):
    from redis import RedisError

    from modules.helpdesk import presence

    ticket_id = a_ticket(app)

    def broken():
        raise RedisError("down")

    monkeypatch.setattr(presence, "_redis", broken)
    page = admin_client.get(f"/helpdesk/tickets/{ticket_id}")
    assert page.status_code == 200 and "is viewing" not in page.get_data(as_text=True)
    assert admin_client.get(f"/helpdesk/tickets/{ticket_id}/presence").status_code == 200
