"""The campaigns' tallies (modules/marketing/tracking/tally.py) kept by the
writers: a campaign frozen and sent by the sending job to a real SMTP
server, clicks through the tracking redirect (repeated), opens by a person
and by a scanner (repeated), hard and soft bounces and a complaint as the
bounce handling records them (a soft bounce reported twice), the one-click
unsubscribe (posted twice), a merge and a purge. After each, the tally
equals the counts from the events and clicks, which the pages show. A
campaign without a tally is counted from its rows; `flask reports rebuild`
builds the tallies and says when one drifted."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from modules.contacts.dedupe import merge
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.marketing import freezing
from modules.marketing.bounce_models import COMPLAINT, HARD, SOFT
from modules.marketing.bounces.record import Found, act
from modules.marketing.campaign_models import Campaign, CampaignTally, LinkTally, Recipient
from modules.marketing.tracking import record, stats, tally
from tests.conftest import login
from tests.modules.marketing.campaign_helpers import campaign, person, segment, verified_sender
from tests.modules.marketing.sending.helpers import run_all
from tests.modules.marketing.tracking.helpers import follow, hrefs, messages, path

BODY = ("Hi, read [the appeal](https://example.org/appeal) and [the report](https://example.org/report). "
        "[Leave]({{ unsubscribe_url }})")
PERSON = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0"
ZERO = dict.fromkeys(tally.FIELDS, 0)


def _sent(app, n: int) -> int:
    with app.app_context():
        for i in range(n):
            person(f"P{i}", f"p{i}@example.org", tags=["News"])
        row = campaign({"segments": [segment("News", "News")]}, sender_id=verified_sender().id, body=BODY,
                       format="markdown", track_clicks=True, track_opens=True)
        db.session.commit()
        freezing.start_sending(row)
        db.session.commit()
        campaign_id = row.id
    run_all(app)
    return campaign_id


def _rows(app, campaign_id: int) -> dict[str, tuple[int, int]]:
    """{address: (recipient id, contact id)}."""
    with app.app_context():
        return {email: (rid, cid) for rid, cid, email in db.session.execute(
            select(Recipient.id, Recipient.contact_id, Recipient.email).where(Recipient.campaign_id == campaign_id))}


def _check(app, campaign_id: int, **expected) -> None:
    """The tally is kept (not counted afresh), equals the counts from the
    rows, and holds what the test expects; each link's too."""
    with app.app_context():
        kept = tally.stored([campaign_id])
        assert campaign_id in kept
        assert kept[campaign_id] == {**ZERO, **tally.counted([campaign_id]).get(campaign_id, {})}
        assert kept[campaign_id] == {**ZERO, **expected}
        assert tally.stored_links(campaign_id) == {
            link_id: v for link_id, v in tally.counted_links().items() if v[0] == campaign_id}
        assert tally.in_step()


def _clicks(app, campaign_id: int) -> dict[str, tuple[int, int]]:
    with app.app_context():
        figures = stats.for_campaign(db.session.get(Campaign, campaign_id))
        return {link.url: (link.people, link.clicks) for link in figures.links}


def test_every_writer_keeps_the_tally_equal_to_the_counts(app, smtp, client, admin):
    campaign_id = _sent(app, 4)
    _check(app, campaign_id)
    rows = _rows(app, campaign_id)
    got = messages(smtp)

    # Clicks: p0 twice on the appeal and once on the report, p1 once on the appeal.
    appeal = [h for h in hrefs(got["p0@example.org"]) if "/marketing/r/" in h]
    assert len(appeal) == 2
    for link in (appeal[0], appeal[0], appeal[1], [h for h in hrefs(got["p1@example.org"]) if "/marketing/r/" in h][0]):
        assert follow(client, link).status_code == 302
    _check(app, campaign_id, clicked=2, clicks=4)
    assert _clicks(app, campaign_id) == {"https://example.org/appeal": (2, 3), "https://example.org/report": (1, 1)}

    # Opens: a scanner and a person for p0, each twice; a person for p1.
    with app.app_context():
        for agent in ("curl/8.5", PERSON, "curl/8.5", PERSON):
            record.open_(campaign_id, rows["p0@example.org"][0], agent, "203.0.113.9")
        record.open_(campaign_id, rows["p1@example.org"][0], PERSON, "203.0.113.9")
    _check(app, campaign_id, clicked=2, clicks=4, open_human=2, open_machine=1)

    # Bounces and a complaint: p2 hard (reported twice), p3 soft twice, then a complaint.
    with app.app_context():
        for found, key in ((Found("p2@example.org", HARD, "550", rows["p2@example.org"][0]), "h1"),
                           (Found("p2@example.org", HARD, "550", rows["p2@example.org"][0]), "h2"),
                           (Found("p3@example.org", SOFT, "452", rows["p3@example.org"][0]), "s1"),
                           (Found("p3@example.org", SOFT, "452", rows["p3@example.org"][0]), "s2"),
                           (Found("p3@example.org", COMPLAINT, "spam", rows["p3@example.org"][0]), "c1")):
            act(found, "test", key)
            db.session.commit()
    expected = {"clicked": 2, "clicks": 4, "open_human": 2, "open_machine": 1, "bounce_hard": 1, "bounce_soft": 1,
                "complaint": 1}
    _check(app, campaign_id, **expected)

    # The one-click unsubscribe of p1's message, posted twice.
    one_click = got["p1@example.org"]["List-Unsubscribe"].split(",")[0].strip(" <>")
    for _ in range(2):
        assert client.post(path(one_click), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    expected["unsubscribe"] = 1
    _check(app, campaign_id, **expected)

    # Merging p1 into p0, purging p2: their messages stay, so do the results.
    with app.app_context():
        merge.merge(records.load(rows["p0@example.org"][1]), records.load(rows["p1@example.org"][1]), {})
        db.session.commit()
    _check(app, campaign_id, **expected)
    with app.app_context():
        records.trash([db.session.get(Contact, rows["p2@example.org"][1])])
        db.session.commit()
        records.purge([db.session.get(Contact, rows["p2@example.org"][1])])
        db.session.commit()
    _check(app, campaign_id, **expected)

    # The pages show the tally: the campaign (delivered = 4 - 2 bounced) and the list.
    login(client, admin.email)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert '<th scope="row">Unsubscribed</th><td class="num">1</td><td class="num">50.0%</td>' in page
    assert client.get("/marketing/campaigns").status_code == 200


def test_a_campaign_without_a_tally_is_counted_and_rebuild_builds_it(app, smtp, client, admin):
    campaign_id = _sent(app, 3)
    rows = _rows(app, campaign_id)
    with app.app_context():  # as a campaign sent before the tally existed
        db.session.execute(CampaignTally.__table__.delete())
        db.session.commit()
        record.open_(campaign_id, rows["p0@example.org"][0], PERSON, "203.0.113.9")
        link = [h for h in hrefs(messages(smtp)["p1@example.org"]) if "/marketing/r/" in h][0]
    assert follow(client, link).status_code == 302
    with app.app_context():
        assert tally.stored([campaign_id]) == {} and db.session.scalar(select(LinkTally.link_id)) is None
        figures = stats.for_campaigns([db.session.get(Campaign, campaign_id)])[campaign_id]
        assert (figures.open_human, figures.clicked, figures.clicks) == (1, 1, 1)
    assert _clicks(app, campaign_id)["https://example.org/appeal"] == (1, 1)

    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    _check(app, campaign_id, open_human=1, clicked=1, clicks=1)
    assert _clicks(app, campaign_id)["https://example.org/appeal"] == (1, 1)

    with app.app_context():  # a tally changed by hand is no longer in step, until rebuilt
        db.session.execute(update(CampaignTally).values(open_human=5))
        db.session.commit()
        assert not tally.in_step()
        tally.rebuild()
        db.session.commit()
    _check(app, campaign_id, open_human=1, clicked=1, clicks=1)
