"""The helpdesk's report sources and standard reports against the tickets
of helpdesk_report_data.py; the figures are worked out in the comments.
A role without helpdesk.view sees neither."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app.reporting import standard
from tests.conftest import login, make_user
from tests.modules.helpdesk import helpdesk_report_data as data
from tests.modules.reports.test_builder_errors import custom_role
from tests.modules.reports.test_builder_queries import run, table

D = Decimal
MARCH_APRIL = {"from": date(2026, 3, 1), "to": date(2026, 4, 30)}
KEYS = ("helpdesk.volume", "helpdesk.sla-times", "helpdesk.satisfaction")


@pytest.fixture
def ids(app, admin):
    bo = make_user(app, "bo@example.org", "admin", "Bo Agent")
    with app.app_context():
        return data.build(bo.id)


def report(app, key: str, **values) -> list:
    from flask_login import login_user

    from app.extensions import db
    from app.models import User

    with app.test_request_context():
        login_user(db.session.scalar(db.select(User).limit(1)))
        return standard.find(key).report.run({"team": "", "channel": "", **MARCH_APRIL, **values})


def rows(html: str, caption: str) -> list[list[str]]:
    part = html.split(caption, 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", part, re.S)]


def test_ticket_sources(app, ids):
    # T5 is merged: four tickets, three in Care.
    assert table(run(app, source="tickets", g="team")[0]) == {"Billing": (1,), "Care": (3,)}
    assert table(run(app, source="tickets", g="channel")[0]) == {"Email": (2,), "Phone": (1,), "Web form": (1,)}
    breached = run(app, source="tickets", g="sla_breached")[0].rows
    assert {bool(r[0]): r[1] for r in breached} == {True: 1, False: 3}
    ratings = run(app, source="tickets", g="rating")[0].rows
    assert {r[0]: r[1] for r in ratings} == {"Good": 2, "Bad": 1, None: 1}  # T3's survey unanswered
    listed = run(app, source="tickets", col=["number", "status"], w="team:is:Billing")[0].rows
    assert listed == [(ids["T4"] + 1000, "Solved")]
    # Messages: in on T1, T2, T4; an agent reply on T1; a note on T2.
    assert table(run(app, source="ticket_messages", g="direction")[0]) == {
        "From the customer": (3,), "Agent reply": (1,), "Internal note": (1,)}
    assert table(run(app, source="ticket_messages", g="team")[0]) == {"Billing": (1,), "Care": (4,)}
    # Ratings answered: good T1 (Ada, Care), bad T2 (Bo, Care), good T4 (Bo, Billing).
    assert table(run(app, source="satisfaction_ratings", g="agent")[0]) == {"Ada Admin": (1,), "Bo Agent": (2,)}
    by_team = run(app, source="satisfaction_ratings", g=["team", "rating"])[0].rows
    assert {(r[0], r[1]): r[2] for r in by_team} == {("Care", "Good"): 1, ("Care", "Bad"): 1,
                                                     ("Billing", "Good"): 1}
    # Through the requester: Ben's tickets are T3 and T4.
    assert table(run(app, source="tickets", g="team", f=f"tag:is:{ids['vip']}")[0]) == {"Billing": (1,),
                                                                                       "Care": (1,)}


def test_ticket_volume_by_month_week_team_and_channel(app, ids):
    months, teams, channels = report(app, "helpdesk.volume", by="month")
    # March: T1, T2, T3 created, T1 and T2 solved; April: T4 created and solved. T5 merged.
    assert months.result.rows == [("2026-03", 3, 2), ("2026-04", 1, 1)]
    assert months.footer == ("Total", 4, 3)
    assert teams.result.rows == [("Care", 3), ("Billing", 1)]
    assert channels.result.rows == [("Email", 2), ("Phone", 1), ("Web form", 1)]
    [weeks, _, _] = report(app, "helpdesk.volume", by="week")
    # Weeks start on Monday: 03-02 (T1 Mon, T2 Wed), 03-09 (T3 Tue), 03-30 (T4 Wed 04-01).
    assert weeks.result.rows == [("Week of 2026-03-02", 2, 2), ("Week of 2026-03-09", 1, 0),
                                 ("Week of 2026-03-30", 1, 1)]
    [care_only, _, _] = report(app, "helpdesk.volume", by="month", team=str(ids["care"]), channel="email")
    assert care_only.result.rows == [("2026-03", 2, 1)]  # T1 and T3


def test_response_and_resolution_against_sla(app, ids):
    [times] = report(app, "helpdesk.sla-times")
    # Billing: T4 answered in 1 h, solved in 6 h, no targets (—).
    # Care: responses 2, 8, 3 h -> median 3.0; targets met T1, T3 of 3 = 66.7 %;
    #       resolutions 24, 48 h -> median 36.0; met T1 of 3 targets (T3 unsolved) = 33.3 %.
    assert times.result.rows == [("Billing", 1, D("1.0"), None, D("6.0"), None),
                                 ("Care", 3, D("3.0"), D("66.7"), D("36.0"), D("33.3"))]
    # All: responses 1, 2, 3, 8 -> 2.5; resolutions 6, 24, 48 -> 24.0.
    assert times.footer == ("All teams", 4, D("2.5"), D("66.7"), D("24.0"), D("33.3"))
    [april] = report(app, "helpdesk.sla-times", **{"from": date(2026, 4, 1)})
    assert [r[0] for r in april.result.rows] == ["Billing"]


def test_satisfaction_by_team_and_agent(app, ids):
    teams, agents = report(app, "helpdesk.satisfaction")
    # Care: good T1, bad T2 = 50.0 %; Billing: good T4 = 100.0 %. T3 unanswered.
    assert teams.result.rows == [("Care", 1, 1, 2, D("50.0")), ("Billing", 1, 0, 1, D("100.0"))]
    assert agents.result.rows == [("Bo Agent", 1, 1, 2, D("50.0")), ("Ada Admin", 1, 0, 1, D("100.0"))]
    assert teams.footer == ("All", 2, 1, 3, D("66.7"))
    [march, _] = report(app, "helpdesk.satisfaction", to=date(2026, 3, 31))
    assert march.result.rows == [("Care", 1, 1, 2, D("50.0"))]


def test_the_pages_open_and_show_the_figures(client, app, ids):
    login(client)
    listing = client.get("/reports/").get_data(as_text=True)
    for key in KEYS:
        assert f'href="/reports/standard/{key}"' in listing
        assert client.get(f"/reports/standard/{key}").status_code == 200
    query = "from=2026-03-01&to=2026-04-30"
    html = client.get(f"/reports/standard/helpdesk.volume?{query}&by=week").get_data(as_text=True)
    assert rows(html, "Tickets created</caption>")[0] == ["Week of 2026-03-02", "2", "2"]
    html = client.get(f"/reports/standard/helpdesk.sla-times?{query}").get_data(as_text=True)
    assert rows(html, "by team</caption>")[1] == ["Care", "3", "3.0", "66.7%", "36.0", "33.3%"]
    html = client.get(f"/reports/standard/helpdesk.satisfaction?{query}").get_data(as_text=True)
    assert rows(html, "Satisfaction by agent</caption>")[0] == ["Bo Agent", "1", "1", "2", "50.0%"]


def test_a_role_without_helpdesk_view_sees_neither(client, app, ids):
    from flask_login import login_user

    from app.extensions import db
    from app.models import User
    from app.reporting.sources import visible_sources

    role = custom_role(app, "Reporter", ["reports.view", "reports.build", "contacts.view"])
    make_user(app, "rep@example.org", role=role, name="Rita Reporter")
    login(client, "rep@example.org")
    listing = client.get("/reports/").get_data(as_text=True)
    for key in KEYS:
        assert f"/reports/standard/{key}" not in listing
        assert client.get(f"/reports/standard/{key}").status_code == 403
    assert client.get("/reports/new?source=contacts").status_code == 200
    for source in ("tickets", "ticket_messages", "satisfaction_ratings"):
        assert client.get(f"/reports/new?source={source}").status_code == 403
    with app.test_request_context():
        login_user(db.session.scalar(db.select(User).where(User.email == "rep@example.org")))
        visible = visible_sources()
        assert "contacts" in visible and not {"tickets", "ticket_messages", "satisfaction_ratings"} & set(visible)


def test_reports_and_sources_exist_only_with_their_modules_enabled(app, tmp_path):
    from app import create_app
    from app.reporting.sources import all_sources
    from tests.conftest import app_config

    without = create_app(app_config(tmp_path, STEWARD_MODULES=["contacts", "reports"],
                                    SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'none.db'}",
                                    REDIS_URL=app.extensions["steward"].redis_url))
    keys = {c.report.key for c in standard.available(without)}
    assert not {k for k in keys if k.startswith(("helpdesk.", "marketing."))} and "contacts.growth" in keys
    declared = [m.report_sources for m in without.extensions["steward"].enabled if m.report_sources]
    assert declared and not [d for d in declared if "helpdesk" in str(d) or "marketing" in str(d)]
    assert {"ticket.created", "ticket.solved", "campaign.sent"}.isdisjoint(
        without.extensions["steward"].webhook_events)
    with app.test_request_context():
        assert {"tickets", "campaign_recipients"} <= set(all_sources())
    assert {"ticket.created", "ticket.solved", "campaign.sent"} <= set(app.extensions["steward"].webhook_events)


def test_ticket_volume_counts_each_ticket_in_its_utc_day(app, ids):
    """The database counts per UTC day: a ticket late on the last of March and
    one early on the first of April fall in their own months (and weeks)."""
    from datetime import UTC, datetime

    from app.extensions import db
    from modules.helpdesk.models import Ticket

    with app.app_context():
        for subject, created, solved in (("Late", datetime(2026, 3, 31, 23, 59, 30, tzinfo=UTC), None),
                                         ("Early", datetime(2026, 4, 1, 0, 0, 10, tzinfo=UTC),
                                          datetime(2026, 4, 1, 1, tzinfo=UTC))):
            db.session.add(Ticket(subject=subject, requester_id=ids["Ann"], requester_email="ann@example.org",
                                  team_id=ids["care"], channel="email", status="solved" if solved else "open",
                                  created_at=created, solved_at=solved))
        db.session.commit()
    months, _, _ = report(app, "helpdesk.volume", by="month")
    assert months.result.rows == [("2026-03", 4, 2), ("2026-04", 2, 2)]
    weeks, _, _ = report(app, "helpdesk.volume", by="week")
    assert weeks.result.rows[-1] == ("Week of 2026-03-30", 3, 2)  # Tue 03-31 and Wed 04-01 with T4


def test_a_response_right_on_its_due_time_is_within_target(app, ids):
    """The database compares the times now: on the dot counts as met, a
    minute late does not; the hours are the same as the clock says."""
    from datetime import UTC, datetime

    from app.extensions import db
    from modules.helpdesk.models import Team, Ticket

    with app.app_context():
        desk = Team(name="Desk")
        db.session.add(desk)
        db.session.flush()
        for subject, responded in (("On time", 11), ("Late", 12)):
            db.session.add(Ticket(subject=subject, requester_id=ids["Ann"], requester_email="ann@example.org",
                                  team_id=desk.id, channel="email", status="open",
                                  created_at=datetime(2026, 3, 20, 9, tzinfo=UTC),
                                  first_responded_at=datetime(2026, 3, 20, responded, 1 if responded == 12 else 0,
                                                              tzinfo=UTC),
                                  first_response_due_at=datetime(2026, 3, 20, 11, tzinfo=UTC)))
        db.session.commit()
    [times] = report(app, "helpdesk.sla-times")
    desk_row = next(r for r in times.result.rows if r[0] == "Desk")
    # Responses after 2 h and 3 h 1 min: median 2.51 -> 2.5; one of two within target = 50.0 %.
    assert desk_row == ("Desk", 2, D("2.5"), D("50.0"), None, None)
