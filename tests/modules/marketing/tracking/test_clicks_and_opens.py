"""Click and open tracking through the real path: a campaign sent by the
sending job to a real SMTP server (aiosmtpd), the received messages parsed,
their rewritten links followed through the app (redirected to the right
address, counted once per recipient and link, with a count of every
click), a tampered link refused with 404, and the open pixel telling
Apple's privacy proxy (a machine) from a person."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from modules.marketing.campaign_models import Click, Event, Link, Recipient
from modules.marketing.tracking import opens
from tests.conftest import counted_queries, login
from tests.modules.marketing.sending.helpers import make_campaign, run_all
from tests.modules.marketing.tracking.helpers import follow, hrefs, messages, path, pixel, text_of

BODY = ("Dear {{ contact.first_name }},\n\n"
        "Read [the appeal](https://example.org/appeal?utm=spring&x=1) and "
        "[our report](https://example.org/report).\n\n"
        "Call us: [phone](tel:+441234) or [write](mailto:hello@example.org).\n\n"
        "[Unsubscribe]({{ unsubscribe_url }}) · [Preferences]({{ preferences_url }})")
APPEAL = "https://example.org/appeal?utm=spring&x=1"
REPORT = "https://example.org/report"


def _tracked(app, campaign_id: int, opens_on: bool = False):
    with app.app_context():
        from modules.marketing.campaign_models import Campaign

        row = db.session.get(Campaign, campaign_id)
        row.track_clicks, row.track_opens = True, opens_on
        db.session.commit()


def test_links_are_rewritten_followed_to_the_right_page_and_counted_once_per_person(app, smtp, client, admin):
    campaign_id = make_campaign(app, 3, body=BODY, start=False)
    _tracked(app, campaign_id)
    with app.app_context():
        from modules.marketing.sending import control

        control.start(campaign_id)
        db.session.commit()
    run_all(app)

    got = messages(smtp)
    assert len(got) == 3
    ann = got["person0@example.org"]
    links = hrefs(ann)
    tracked = [h for h in links if "/marketing/r/" in h]
    assert len(tracked) == 2  # the appeal and the report; nothing else
    # Unsubscribe, preferences, tel: and mailto: links are sent as they are.
    assert any("/marketing/unsubscribe/" in h for h in links) and any("/marketing/preferences/" in h for h in links)
    assert "tel:+441234" in links and "mailto:hello@example.org" in links
    assert "example.org/appeal" not in " ".join(links) and "example.org/report" not in " ".join(links)
    # The plain-text part carries the same tracked links.
    text = text_of(ann)
    assert text.count("/marketing/r/") == 2 and "https://example.org/report" not in text
    # The List-Unsubscribe header is never a tracked link.
    assert "/marketing/r/" not in ann["List-Unsubscribe"]

    with counted_queries(app) as statements:
        answer = follow(client, tracked[0])
    assert answer.status_code == 302 and answer.headers["Location"] == APPEAL
    assert "Set-Cookie" not in answer.headers
    # The first click: the lookup of the link, the insert of the click, then (the message's first
    # click) whether it clicked another link (the message locked first, on PostgreSQL), the campaign's
    # tally (this campaign was frozen by hand, so it has none to add to) and the message's place in
    # engagement decay's rollup.
    ours = [s for s in statements if "marketing_" in s]
    assert [s.split()[0] for s in ours[:2]] == ["SELECT", "INSERT"], statements
    assert any(s.startswith("UPDATE marketing_campaign_tally") for s in ours), statements
    assert ours[-1].startswith("INSERT INTO marketing_engagement_step") and len(ours) <= 9, statements
    with counted_queries(app) as statements:
        assert follow(client, tracked[0]).headers["Location"] == APPEAL  # a second click by the same person
    # A repeat click: one lookup of the link by its id, one insert-or-update, one more in the campaign's
    # tally (none here, so its link's is not touched): nothing else of marketing's.
    assert [s.split()[0] for s in statements if "marketing_" in s] == ["SELECT", "INSERT", "UPDATE"], statements
    assert follow(client, tracked[1]).headers["Location"] == REPORT
    bob_appeal = [h for h in hrefs(got["person1@example.org"]) if "/marketing/r/" in h][0]
    assert follow(client, bob_appeal).headers["Location"] == APPEAL

    with app.app_context():
        links_stored = dict(db.session.execute(select(Link.url, Link.position).where(
            Link.campaign_id == campaign_id)).all())
        assert links_stored == {APPEAL: 1, REPORT: 2}
        per_link = db.session.execute(select(Link.url, func.count(Click.id), func.sum(Click.count))
                                      .join(Click, Click.link_id == Link.id).group_by(Link.url)).all()
        assert sorted(per_link) == [(APPEAL, 2, 3), (REPORT, 1, 1)]  # 2 people, 3 clicks; 1 person, 1 click

    # The campaign page shows the counts as text in a table.
    login(client, admin.email)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Clicks per link" in page and APPEAL.replace("&", "&amp;") in page
    assert '<th scope="row">Clicked a link</th><td class="num">2</td><td class="num">66.7%</td>' in page


def test_a_forged_or_altered_link_is_a_404_and_never_redirects(app, smtp, client, admin):
    campaign_id = make_campaign(app, 1, body=BODY, start=False)
    _tracked(app, campaign_id)
    with app.app_context():
        from modules.marketing.sending import control

        control.start(campaign_id)
        db.session.commit()
    run_all(app)
    tracked = [h for h in hrefs(messages(smtp)["person0@example.org"]) if "/marketing/r/" in h][0]
    token = path(tracked).rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert client.get(f"/marketing/r/{altered}").status_code == 404
    # A signature with one character changed: a middle one, which carries six bits of the signature (the
    # last carries two and padding, so some changes to it decode the same; and it may already be the letter).
    middle = len(signature) // 2
    forged = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    assert client.get(f"/marketing/r/{payload}.{forged}").status_code == 404
    assert client.get("/marketing/r/https%3A%2F%2Fevil.example").status_code == 404
    # A correctly signed token for a link of another campaign is refused too.
    with app.app_context():
        from modules.marketing.tracking.tokens import clicker

        link_id = db.session.scalar(select(Link.id).where(Link.campaign_id == campaign_id))
        recipient_id = db.session.scalar(select(Recipient.id).where(Recipient.campaign_id == campaign_id))
        forged = clicker().dumps([campaign_id + 1, recipient_id, link_id])
    assert client.get(f"/marketing/r/{forged}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Click)) == 0


def test_the_open_pixel_tells_apples_proxy_from_a_person(app, smtp, client, admin):
    campaign_id = make_campaign(app, 3, body=BODY, start=False)
    _tracked(app, campaign_id, opens_on=True)
    with app.app_context():
        from modules.marketing.sending import control

        control.start(campaign_id)
        db.session.commit()
    run_all(app)
    got = messages(smtp)
    ann, bob, cat = (pixel(got[f"person{i}@example.org"]) for i in range(3))
    assert ann and bob and cat and "/marketing/o/" not in text_of(got["person0@example.org"])

    apple = client.get(path(ann), headers={"User-Agent": "Mozilla/5.0"})
    assert apple.status_code == 200 and apple.mimetype == "image/gif"
    client.get(path(ann), headers={"User-Agent": "Mozilla/5.0"})  # fetched again: still one machine open
    person = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)")
    client.get(path(bob), headers={"User-Agent": person})
    # Gmail's proxy, which fetches when someone opens the message: a person.
    with app.app_context():
        row = db.session.scalar(select(Recipient).where(Recipient.email == "person2@example.org"))
        row.sent_at = row.sent_at - timedelta(minutes=5)
        db.session.commit()
    client.get(path(cat), headers={"User-Agent": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
                                                 "(via ggpht.com GoogleImageProxy)"})
    assert client.get(path(ann)[:-3] + "abc").status_code == 404
    with app.app_context():
        found = {(email, kind, detail) for email, kind, detail in db.session.execute(
            select(Recipient.email, Event.kind, Event.detail).join(Recipient, Recipient.id == Event.recipient_id))}
        assert found == {("person0@example.org", "open_machine", "Apple Mail Privacy Protection"),
                         ("person1@example.org", "open_human", "A mail app or browser"),
                         ("person2@example.org", "open_human", "Gmail's image proxy")}

    login(client, admin.email)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert '<th scope="row">Opened, by a person</th><td class="num">2</td>' in page
    assert "Opened, by a machine" in page


def test_the_open_rules():
    from datetime import UTC, datetime

    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    just = now - timedelta(seconds=3)
    later = now - timedelta(hours=1)
    gmail = "Mozilla/5.0 (via ggpht.com GoogleImageProxy)"
    assert opens.classify("Mozilla/5.0", "203.0.113.9", later, now).human is False
    assert opens.classify("Mozilla/5.0 (iPhone) AppleWebKit", "17.58.1.2", later, now).human is False
    assert opens.classify("Barracuda Sentinel (EE)", "198.51.100.1", later, now).human is False
    assert opens.classify("", None, later, now).human is False
    assert opens.classify(gmail, "66.249.84.1", just, now).human is False  # prefetched on delivery
    assert opens.classify(gmail, "66.249.84.1", later, now).human is True
    assert opens.classify("Mozilla/5.0 (Windows NT 10.0) Thunderbird/128.0", "192.0.2.4", just, now).human is True


def test_tracking_off_sends_the_links_as_they_are_and_no_pixel(app, smtp):
    campaign_id = make_campaign(app, 1, body=BODY, start=False)
    with app.app_context():
        from modules.marketing.campaign_models import Campaign
        from modules.marketing.sending import control

        row = db.session.get(Campaign, campaign_id)
        row.track_clicks, row.track_opens = False, False
        db.session.commit()
        control.start(campaign_id)
        db.session.commit()
    run_all(app)
    msg = messages(smtp)["person0@example.org"]
    assert APPEAL in hrefs(msg) and REPORT in hrefs(msg) and pixel(msg) is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Link)) == 0


def test_an_unsubscribe_from_the_message_counts_for_its_campaign_and_shows_on_the_timeline(app, smtp, client, admin):
    from modules.marketing.campaign_models import Campaign
    from modules.marketing.models import Topic
    from modules.marketing.sending import control

    campaign_id = make_campaign(app, 2, body=BODY, start=False)
    with app.app_context():
        topic = Topic(name="Appeals", slug="appeals")
        db.session.add(topic)
        db.session.flush()
        db.session.get(Campaign, campaign_id).topic_id = topic.id
        db.session.commit()
        control.start(campaign_id)
        db.session.commit()
    run_all(app)
    msg = messages(smtp)["person1@example.org"]
    one_click = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    assert "?r=" in one_click
    # RFC 8058: the mail provider posts, with no cookies.
    assert client.post(path(one_click), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post(path(one_click), data={"List-Unsubscribe": "One-Click"}).status_code == 200  # twice: once
    # A link whose `r` was altered unsubscribes (the token is the contact's) but counts for no message.
    other = path(hrefs(messages(smtp)["person0@example.org"])[-2])
    assert "/marketing/unsubscribe/" in other
    assert client.post(other.split("?")[0] + "?r=forged", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        found = db.session.execute(select(Recipient.email, Event.detail).join(
            Recipient, Recipient.id == Event.recipient_id).where(Event.kind == "unsubscribe")).all()
        assert found == [("person1@example.org", "From Appeals")]
        contact_id = db.session.scalar(select(Recipient.contact_id).where(Recipient.email == "person1@example.org"))
    login(client, admin.email)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert '<th scope="row">Unsubscribed</th><td class="num">1</td><td class="num">50.0%</td>' in page
    timeline = client.get(f"/contacts/{contact_id}/timeline").get_data(as_text=True)
    assert "Campaign “Spring appeal”: received, unsubscribed" in timeline
    assert "Unsubscribed: from appeals" in timeline
