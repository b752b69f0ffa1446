"""Helpdesk SLAs and automation in a real browser, with JavaScript on and
off: the queue sorted by due time with the SLA shown in words, the ticket's
SLA panel, a canned reply inserted into the reply box with its merge
fields filled, and a second agent's presence seen on the first agent's
page. Screenshots at 1280 and 390 px; axe with JavaScript."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app import settings
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.people import records
from modules.helpdesk import services, sla
from modules.helpdesk.automation_models import CannedReply, Rule, SlaPolicy
from modules.helpdesk.models import IN, Team
from tests.browser.conftest import PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def desk(app) -> dict:
    """A team with an SLA policy, three open tickets opened at different times, a shared canned reply."""
    with app.app_context():
        settings.put("core", {"timezone": "Europe/London", "country": "GB"})
        settings.put("helpdesk", {"auto_close_days": 7})
        team = Team(name="Supporter care", address="support@charity.example")
        db.session.add(team)
        db.session.flush()
        db.session.add(SlaPolicy(name="Standard", team_id=team.id, priority="", first_response_minutes=240,
                                 next_response_minutes=240, resolution_minutes=60 * 40))
        db.session.add(CannedReply(name="Receipt resent", format="markdown", owner_id=None,
                                   body="Dear {{ contact.first_name }},\n\nWe sent the receipt for ticket "
                                        "#{{ ticket.number }} again.\n\n{{ agent.name }}"))
        db.session.add(Rule(name="Receipts", position=1, active=True, conditions=json.dumps(
            [{"field": "subject", "value": "receipt"}]), actions=json.dumps([{"action": "tag", "value": "receipts"}])))
        db.session.flush()
        numbers = {}
        for subject, days_ago, email in (("Opened a week ago", 7, "old@example.org"),
                                         ("Receipt for my gift", 0, "ann@example.org"),
                                         ("Opened three days ago", 3, "three@example.org")):
            person = records.create("person", {"first_name": email.split("@")[0].title(), "last_name": "Tester"},
                                    records.Details(emails=[{"email": email, "label": "", "is_primary": True}]))
            ticket = services.open_ticket(subject=subject, requester=person, email=email, team=team)
            ticket.created_at = utcnow() - timedelta(days=days_ago)
            sla.start(ticket)
            services.add_message(ticket, IN, text=f"Hello, this is about: {subject}.", from_address=email)
            numbers[subject] = (ticket.id, ticket.number)
        sla.run_checks()
        db.session.commit()
        return numbers


def test_sla_due_times_sorted_canned_reply_and_presence(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    make_user(app, email="bea@example.org", name="Bea Agent")
    tickets = desk(app)
    sign_in(page)
    problems = {}

    page.goto("/helpdesk/?view=all")
    settle(page)
    page.get_by_role("link", name="Due soonest first").click()
    settle(page)
    rows = page.locator("table.hd-queue tbody tr")
    expect(rows).to_have_count(3)
    order = [re.search(r"#(\d+)", rows.nth(i).locator("td").nth(1).inner_text()).group(1) for i in range(3)]
    assert order == [str(tickets[s][1]) for s in ("Opened a week ago", "Opened three days ago", "Receipt for my gift")]
    expect(rows.first).to_contain_text("overdue by")
    expect(rows.first).to_contain_text("Breached")
    expect(rows.last).to_contain_text("in ")
    problems["queue"] = _blocking(page)
    shot(page, f"helpdesk-sla-queue-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"helpdesk-sla-queue-phone-{mode}")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Overdue").click()
    settle(page)
    expect(page.locator("table.hd-queue")).to_contain_text("Opened a week ago")
    expect(page.locator("table.hd-queue")).not_to_contain_text("Receipt for my gift")

    ticket_id, number = tickets["Receipt for my gift"]
    page.goto(f"/helpdesk/tickets/{ticket_id}")
    settle(page)
    panel = page.locator("section.hd-sla")
    expect(panel).to_contain_text("First response")
    expect(panel).to_contain_text(re.compile(r"due in \d+ (hour|minute)"))
    expect(page.get_by_role("list", name="Conversation")).to_contain_text("Rule “Receipts”: tagged receipts.")

    # a second agent opens the same ticket
    other = new_page(js=True)
    sign_in(other, "bea@example.org")
    other.goto(f"/helpdesk/tickets/{ticket_id}")
    settle(other)
    other.get_by_label("Message").press_sequentially("Hi Ann", delay=20)
    if page.steward_js:  # the panel refreshes itself every 5 seconds
        expect(page.locator("#hd-presence")).to_contain_text("Bea Agent", timeout=12_000)
    else:
        page.reload()
        expect(page.locator("#hd-presence")).to_contain_text("Bea Agent")
    expect(page.locator("#hd-presence")).to_contain_text(re.compile("is (typing a reply|viewing this ticket)"))

    page.get_by_label("Message").fill("Thank you for your patience.")
    page.get_by_label("Insert a canned reply").select_option(label="Receipt resent")
    page.get_by_role("button", name="Insert").click()
    settle(page)
    expected = (f"Thank you for your patience.\n\nDear Ann,\n\nWe sent the receipt for ticket #{number} again."
                "\n\nAda Admin")
    expect(page.get_by_label("Message")).to_have_value(expected)
    problems["ticket"] = _blocking(page)
    shot(page, f"helpdesk-sla-ticket-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"helpdesk-sla-ticket-phone-{mode}")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Send").click()
    settle(page)
    expect(page.get_by_text("Reply sent to ann@example.org.")).to_be_visible()
    expect(page.locator("section.hd-sla")).to_contain_text("met")

    for path, name in (("/helpdesk/sla", "admin"), ("/helpdesk/rules/new", "rule"), ("/helpdesk/canned/new", "canned"),
                       ("/helpdesk/tickets/new", "new-ticket")):
        page.goto(path)
        settle(page)
        problems[name] = _blocking(page)
        shot(page, f"helpdesk-sla-{name}-{mode}")
        page.set_viewport_size(PHONE)
        shot(page, f"helpdesk-sla-{name}-phone-{mode}")
        page.set_viewport_size({"width": 1280, "height": 800})
    assert not any(problems.values()), "\n".join(describe_violations(u, v) for u, v in problems.items() if v)
