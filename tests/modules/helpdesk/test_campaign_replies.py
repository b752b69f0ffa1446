"""Replies to a marketing campaign, through Dovecot and the core's poll
into a helpdesk mailbox: each person's reply is a ticket of their own
(never one ticket for everyone who answered), and its first entry names
and links the campaign. The helpdesk asks marketing through the
`extends={"helpdesk": ...}` hook (helpdesk/origins.py), importing nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk.models import EVENT, IN, Ticket, TicketMessage
from modules.marketing.campaign_models import SENT_ROW, Recipient
from tests.conftest import login, make_user
from tests.modules.helpdesk.conftest import eml
from tests.modules.marketing.campaign_helpers import campaign, person


def sent(campaign_id: int, contact, email: str, message_id: str) -> None:
    db.session.add(Recipient(campaign_id=campaign_id, contact_id=contact.id, email=email, status=SENT_ROW,
                             message_id=message_id, sent_at=utcnow()))


def spring_appeal(**values) -> tuple[int, dict[str, str]]:
    """A sent campaign to Ann and Bob; their messages' Message-IDs as marketing builds them."""
    row = campaign({"segments": []}, name="Spring appeal", subject="Spring appeal: plant a tree", **values)
    ann = person("Ann", "ann.able@gmail.com")
    bob = person("Bob", "bob.baker@contoso.example")
    ids = {"ann": f"<c{row.id}.r101.a1b2c3d4e5f6@news.charity.example>",
           "bob": f"<c{row.id}.r102.0f9e8d7c6b5a@news.charity.example>"}
    sent(row.id, ann, "ann.able@gmail.com", ids["ann"])
    sent(row.id, bob, "bob.baker@contoso.example", ids["bob"])
    db.session.commit()
    return row.id, ids


def entries(ticket: Ticket) -> list[TicketMessage]:
    return db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id)).all()


def test_two_people_replying_to_a_campaign_make_two_tickets_each_linking_it(desk):
    campaign_id, ids = spring_appeal(reply_to="support@charity.example")

    summary = desk.deliver(
        eml("campaign_reply.eml", n=1, who="Ann Able", address="ann.able@gmail.com",
            to="support@charity.example", in_reply_to=ids["ann"]),
        eml("campaign_reply.eml", n=2, who="Bob Baker", address="bob.baker@contoso.example",
            to="support@charity.example", in_reply_to=ids["bob"]))

    assert summary.startswith("1 mailbox(es): 2 new message(s)")
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.requester_email for t in tickets] == ["ann.able@gmail.com", "bob.baker@contoso.example"]
    assert all(t.team_id == desk.team_id for t in tickets)
    for ticket in tickets:
        first, customer = entries(ticket)
        assert first.direction == EVENT
        assert first.new_text.startswith("Reply to the campaign “Spring appeal”: ")
        assert first.new_text.endswith(f"/marketing/campaigns/{campaign_id}")
        assert customer.direction == IN and "in memory of my mother" in customer.new_text


def test_a_reply_without_threading_headers_to_the_campaigns_reply_to_is_linked(desk):
    campaign_id, _ids = spring_appeal(reply_to="Support@Charity.example")

    desk.deliver(eml("campaign_reply.eml", n=3, who="Ann Able", address="ann.able@gmail.com",
                     to="support@charity.example", in_reply_to=""))

    [ticket] = db.session.scalars(select(Ticket)).all()
    first = entries(ticket)[0]
    assert first.direction == EVENT and first.new_text.endswith(f"/marketing/campaigns/{campaign_id}")


def test_mail_from_someone_the_campaign_never_reached_is_a_plain_ticket(desk):
    spring_appeal(reply_to="support@charity.example")

    desk.deliver(eml("campaign_reply.eml", n=4, who="Zoe Zed", address="zoe@elsewhere.example",
                     to="support@charity.example", in_reply_to="<unknown-1@elsewhere.example>"))

    [ticket] = db.session.scalars(select(Ticket)).all()
    assert [m.direction for m in entries(ticket)] == [IN]
    assert db.session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.direction == EVENT)) == 0


def test_the_ticket_page_links_the_campaign(app, mailroom):
    with app.app_context():
        campaign_id, ids = spring_appeal(reply_to="support@charity.example")
    mailroom.deliver(eml("campaign_reply.eml", n=5, who="Ann Able", address="ann.able@gmail.com",
                         to="support@charity.example", in_reply_to=ids["ann"]))
    make_user(app)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
    client = app.test_client()
    login(client)

    page = client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)

    assert f'/marketing/campaigns/{campaign_id}</a>' in page
    assert 'href="http' in page and f'/marketing/campaigns/{campaign_id}"' in page
