"""The helpdesk through the REST API: a ticket opened by the API (channel
"api", its requester found or made), answered with a reply that reaches a
real SMTP server (aiosmtpd) threaded like the page's, internal notes never
mailed, changes refused with 412 when stale, idempotent creation, and the
knowledge base with the pages' permissions."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.models import Contact
from modules.helpdesk.kb.models import INTERNAL, PUBLIC, Article, ArticleVersion
from modules.helpdesk.models import IN, NOTE, OUT, Team, Ticket, TicketMessage
from tests.api_client import api_for
from tests.browser.conftest import run_jobs
from tests.conftest import make_user
from tests.modules.helpdesk import kb_helpers

NEW_TICKET = {"subject": "Where is my receipt?", "requester_email": "Ann.Able@Example.org",
              "requester_name": "Ann Able", "text": "I gave £50 in November and have no receipt."}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def messages(app, ticket_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(TicketMessage.direction, TicketMessage.new_text)
                                                     .where(TicketMessage.ticket_id == ticket_id)
                                                     .order_by(TicketMessage.id))]


def _team(app, name="Supporter care", address="support@charity.example") -> int:
    with app.app_context():
        team = Team(name=name, address=address)
        db.session.add(team)
        db.session.commit()
        return team.id


def test_open_a_ticket_and_reply_the_reply_arrives_threaded(app, admin, admin_client, smtp):
    team_id = _team(app)
    api = api_for(app, admin.email)
    made = api.post("tickets", json={**NEW_TICKET, "team_id": team_id, "priority": "high"})
    assert made.status_code == 201, made.get_json()
    ticket = made.get_json()
    assert (ticket["status"], ticket["channel"], ticket["priority"], ticket["team_id"]) == ("new", "api", "high",
                                                                                            team_id)
    assert ticket["requester_email"] == "ann.able@example.org"
    with app.app_context():
        requester = db.session.get(Contact, ticket["requester_id"])
        assert (requester.first_name, requester.last_name) == ("Ann", "Able")

    note = api.post(f"tickets/{ticket['id']}/messages", json={"kind": "note", "text": "Check the Stripe log."})
    assert note.status_code == 201 and note.get_json()["direction"] == NOTE
    run_jobs(app)
    assert smtp.messages == []  # a note is never mailed

    sent = api.post(f"tickets/{ticket['id']}/messages",
                    json={"kind": "reply", "text": "Dear Ann, a corrected receipt follows.", "status": "waiting"})
    assert sent.status_code == 201, sent.get_json()
    run_jobs(app)
    [mail] = smtp.messages
    assert mail["To"] == "ann.able@example.org"
    assert mail["Subject"] == f"Re: Where is my receipt? [#{ticket['number']}]"
    assert mail["Reply-To"] == "support@charity.example"
    assert mail["Message-ID"].strip("<>") == sent.get_json()["message_id"]
    assert "a corrected receipt follows" in mail.get_body(("plain",)).get_content()

    # A second reply threads on the first: In-Reply-To and References name it.
    api.post(f"tickets/{ticket['id']}/messages", json={"kind": "reply", "text": "P.S. It is attached."})
    run_jobs(app)
    second = smtp.messages[1]
    assert second["In-Reply-To"] == mail["Message-ID"]
    assert mail["Message-ID"] in second["References"]

    read = api.get(f"tickets/{ticket['id']}").get_json()
    assert read["status"] == "waiting"
    assert [(m["direction"], m["text"]) for m in read["messages"] if m["direction"] != "event"] == [
        (IN, NEW_TICKET["text"]), (NOTE, "Check the Stripe log."),
        (OUT, "Dear Ann, a corrected receipt follows."), (OUT, "P.S. It is attached.")]
    # The ticket page shows the API's ticket like any other: its channel, the note, the replies.
    html = admin_client.get(f"/helpdesk/tickets/{ticket['id']}").get_data(as_text=True)
    assert "· API." in html and "Check the Stripe log." in html and "P.S. It is attached." in html


def test_a_stale_ticket_update_is_412_and_changes_nothing(app, admin):
    api = api_for(app, admin.email)
    ticket = api.post("tickets", json=NEW_TICKET).get_json()
    etag = api.get(f"tickets/{ticket['id']}").headers["ETag"]
    assigned = api.patch(f"tickets/{ticket['id']}", json={"assignee_id": admin.id, "status": "open"},
                         headers={"If-Match": etag})
    assert assigned.status_code == 200, assigned.get_json()
    assert (assigned.get_json()["assignee_id"], assigned.get_json()["status"]) == (admin.id, "open")

    stale = api.patch(f"tickets/{ticket['id']}", json={"priority": "urgent"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.headers["ETag"] == assigned.headers["ETag"]
    late_reply = api.post(f"tickets/{ticket['id']}/messages", json={"kind": "note", "text": "Old news"},
                          headers={"If-Match": etag})
    assert late_reply.status_code == 412
    with app.app_context():
        stored = db.session.get(Ticket, ticket["id"])
        assert (stored.priority, stored.assignee_id, stored.status) == ("normal", admin.id, "open")
    assert [d for d, _ in messages(app, ticket["id"]) if d in (IN, OUT, NOTE)] == [IN]

    unknown = api.patch(f"tickets/{ticket['id']}", json={"assignee_id": 99999})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "assignee_id"


def test_creating_a_ticket_twice_with_one_idempotency_key_makes_one(app, admin):
    api = api_for(app, admin.email)
    first = api.post("tickets", json=NEW_TICKET, headers={"Idempotency-Key": "form-42"})
    again = api.post("tickets", json=NEW_TICKET, headers={"Idempotency-Key": "form-42"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert count(app, Ticket) == 1 and count(app, Contact) == 1
    assert [d for d, _ in messages(app, first.get_json()["id"]) if d == IN] == [IN]


def test_lists_filter_by_status_team_assignee_and_requester_a_page_at_a_time(app, admin):
    team_id = _team(app)
    api = api_for(app, admin.email)
    ids = [api.post("tickets", json={**NEW_TICKET, "subject": f"Question {n}",
                                     "requester_email": f"p{n % 2}@example.org",
                                     "team_id": team_id if n < 3 else None}).get_json()["id"] for n in range(5)]
    api.patch(f"tickets/{ids[4]}", json={"status": "solved", "assignee_id": admin.id})
    page = api.get("tickets?limit=2").get_json()
    assert [t["id"] for t in page["data"]] == ids[:2]
    rest = api.get(page["links"]["next"]).get_json()
    assert [t["id"] for t in rest["data"]] == ids[2:4] and rest["links"]["next"] is not None
    assert [t["id"] for t in api.get(f"tickets?team_id={team_id}").get_json()["data"]] == ids[:3]
    assert [t["id"] for t in api.get("tickets?status=solved").get_json()["data"]] == [ids[4]]
    assert [t["id"] for t in api.get("tickets?status=active").get_json()["data"]] == ids[:4]
    assert [t["id"] for t in api.get(f"tickets?assignee_id={admin.id}").get_json()["data"]] == [ids[4]]
    requester = api.get(f"tickets/{ids[1]}").get_json()["requester_id"]
    assert [t["id"] for t in api.get(f"tickets?requester_id={requester}").get_json()["data"]] == [ids[1], ids[3]]
    assert api.get("tickets?status=lost").status_code == 422


def test_without_helpdesk_reply_nothing_is_opened_or_sent(app, admin, smtp):
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    api = api_for(app, admin.email)
    ticket = api.post("tickets", json=NEW_TICKET).get_json()
    for reader in (api_for(app, "vol@example.org"), api_for(app, admin.email, scopes=["helpdesk.view"])):
        assert reader.post("tickets", json=NEW_TICKET).status_code == 403
        refused = reader.post(f"tickets/{ticket['id']}/messages", json={"kind": "reply", "text": "Hi"})
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
        assert reader.patch(f"tickets/{ticket['id']}", json={"status": "solved"}).status_code == 403
    run_jobs(app)
    assert smtp.messages == [] and count(app, Ticket) == 1
    assert api_for(app, admin.email, scopes=["helpdesk.view"]).get(f"tickets/{ticket['id']}").status_code == 200


def test_a_new_ticket_names_each_field_at_fault(app, admin):
    answer = api_for(app, admin.email).post("tickets", json={"subject": "", "requester_email": "nobody"})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.get_json()["errors"]} == {"subject", "requester_email", "text"}
    assert count(app, Ticket) == 0 and count(app, Contact) == 0


def test_knowledge_base_internal_articles_only_for_kb_view_internal(app, admin):
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    with app.app_context():
        public = kb_helpers.article("Gift Aid explained", "How **Gift Aid** works.", visibility=PUBLIC)
        internal = kb_helpers.article("Refund steps", "Staff only.", visibility=INTERNAL)
        db.session.commit()
        public_id, internal_id = public.id, internal.id
    staff = api_for(app, admin.email)
    volunteer = api_for(app, "vol@example.org")
    assert [a["title"] for a in staff.get("kb/articles").get_json()["data"]] == ["Gift Aid explained", "Refund steps"]
    listed = volunteer.get("kb/articles").get_json()["data"]
    assert [a["id"] for a in listed] == [public_id]
    assert "<strong>Gift Aid</strong>" in listed[0]["published_html"] and listed[0]["published"] is True
    assert volunteer.get(f"kb/articles/{internal_id}").status_code == 404
    assert staff.get(f"kb/articles/{internal_id}").get_json()["body"] == "Staff only."
    assert volunteer.post("kb/articles", json={"title": "Mine"}).status_code == 403
    assert [a["id"] for a in staff.get("kb/internal-articles").get_json()["data"]] == [internal_id]
    assert volunteer.get("kb/internal-articles").status_code == 403
    # A token without the kb.view_internal scope reads as a volunteer does, whoever its user.
    narrow = api_for(app, admin.email, scopes=["helpdesk.view"])
    assert [a["id"] for a in narrow.get("kb/articles").get_json()["data"]] == [public_id]
    assert narrow.get(f"kb/articles/{internal_id}").status_code == 404


def test_knowledge_base_writes_keep_versions_and_leave_the_published_one(app, admin):
    api = api_for(app, admin.email)
    made = api.post("kb/articles", json={"title": "Changing a direct debit", "body": "Call us.",
                                         "visibility": "public"})
    assert made.status_code == 201, made.get_json()
    article = made.get_json()
    assert (article["version_number"], article["published"], article["slug"]) == (1, False,
                                                                                    "changing-a-direct-debit")
    etag = made.headers["ETag"]
    changed = api.patch(f"kb/articles/{article['id']}", json={"body": "Call us, or write."},
                        headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["version_number"] == 2
    stale = api.patch(f"kb/articles/{article['id']}", json={"title": "Old"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.post("kb/articles", json={"title": ""}).status_code == 422
    assert api.post("kb/articles", json={"title": "X", "slug": "Not a slug!"}).status_code == 422
    with app.app_context():
        stored = db.session.get(Article, article["id"])
        assert (stored.title, stored.body) == ("Changing a direct debit", "Call us, or write.")
        assert db.session.scalar(select(func.count()).select_from(ArticleVersion)) == 2
    assert count(app, Article) == 1

    assert api.delete(f"kb/articles/{article['id']}", headers={"If-Match": etag}).status_code == 412
    assert count(app, Article) == 1
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    assert api_for(app, "vol@example.org").delete(f"kb/articles/{article['id']}").status_code == 403
    assert api.delete(f"kb/articles/{article['id']}").status_code == 204
    assert count(app, Article) == 0 and count(app, ArticleVersion) == 0
