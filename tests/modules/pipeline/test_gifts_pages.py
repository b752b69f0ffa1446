"""Gift pages: recording through the form (donor search without JavaScript,
soft credits, tribute), errors by their fields, edit with an audited diff,
delete with confirmation, the list's filters, SQL totals and keyset pages,
funds & appeals admin, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Appeal, Fund, Gift, SoftCredit
from tests.conftest import counted_queries, csrf_from, login, make_user


def _person(first, last, email=None):
    details = records.Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [])
    return records.create("person", {"first_name": first, "last_name": last}, details)


@pytest.fixture
def people(app):
    with app.app_context():
        grace = _person("Grace", "Hopper", "grace@example.org")
        vincent = _person("Vincent", "Hopper")
        walter = _person("Walter", "Murray")
        db.session.commit()
        return {"grace": grace.id, "vincent": vincent.id, "walter": walter.id}


@pytest.fixture
def fund_ids(app):
    with app.app_context():
        general = db.session.scalar(select(Fund.id).where(Fund.name == "General fund"))
        building = Fund(name="Building fund", code="BLD")
        spring = Appeal(name="Spring letter", code="SPR26")
        db.session.add_all([building, spring])
        db.session.commit()
        return {"general": general, "building": building.id, "spring": spring.id}


def _post(client, url, data):
    token = csrf_from(client, url)
    return client.post(url, data={**data, "csrf_token": token})


def test_recording_a_gift_without_javascript_with_a_soft_credit_and_a_tribute(admin_client, app, people, fund_ids):
    url = "/pipeline/gifts/new"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Record a gift" in page and 'name="contact_id_q"' in page
    # Search for the donor with the Find button: the page comes back with choices, nothing saved.
    found = _post(admin_client, url, {"contact_id_q": "hopper", "find": "contact_id", "sc_count": "0",
                                      "amount": "", "received_on": ""})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "Grace Hopper" in html and "Vincent Hopper" in html
    assert f'name="contact_id" value="{people["grace"]}"' in html
    assert "Enter an amount" not in html
    # Add a soft-credit row the same way.
    added = _post(admin_client, url, {"contact_id": people["grace"], "sc_count": "0", "add_credit": "1",
                                      "amount": "250"})
    assert 'name="sc-0-contact_q"' in added.get_data(as_text=True)
    response = _post(admin_client, url, {
        "contact_id": people["grace"], "amount": "$1,250.50", "received_on": "2026-03-01",
        "fund_id": fund_ids["building"], "appeal_id": fund_ids["spring"], "payment_method": "cheque",
        "reference": "CHQ 1044", "sc_count": "1", "sc-0-contact": people["vincent"], "sc-0-amount": "",
        "sc-0-role": "spouse", "tribute_kind": "memory", "tribute_name": "Walter Murray",
        "tribute_notify_id": people["walter"], "notes": "Given at the spring dinner."})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    with app.app_context():
        gift = db.session.scalars(select(Gift)).one()
        assert (gift.contact_id, gift.amount, gift.received_on) == (people["grace"], Decimal("1250.50"),
                                                                    date(2026, 3, 1))
        assert (gift.fund_id, gift.appeal_id, gift.payment_method, gift.reference) == (
            fund_ids["building"], fund_ids["spring"], "cheque", "CHQ 1044")
        assert (gift.tribute_kind, gift.tribute_name, gift.tribute_notify_id) == ("memory", "Walter Murray",
                                                                                  people["walter"])
        assert [(c.contact_id, c.amount, c.role) for c in gift.soft_credits] == [
            (people["vincent"], Decimal("1250.50"), "spouse")]
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.object_type == "pipeline_gift")) \
            == "Gift $1,250.50 on 2026-03-01"
        gift_id = gift.id
    assert response.headers["Location"].endswith(f"/pipeline/gifts/{gift_id}")
    shown = admin_client.get(f"/pipeline/gifts/{gift_id}").get_data(as_text=True)
    for text in ("Gift of $1,250.50", "Grace Hopper", "Vincent Hopper", "Spouse", "In memory of",
                 "Walter Murray", "Building fund", "Spring letter", "Cheque", "CHQ 1044", "Not yet",
                 "Given at the spring dinner."):
        assert text in shown, text


def test_errors_are_shown_by_their_fields_and_nothing_is_saved(admin_client, app, people):
    url = "/pipeline/gifts/new"
    response = _post(admin_client, url, {"contact_id_q": "nobody", "amount": "1.234", "received_on": "",
                                         "sc_count": "1", "sc-0-contact_q": "hopp", "sc-0-amount": "5",
                                         "in_kind": "y", "tribute_kind": "honour"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please correct the problems below." in html
    for message in ("Choose the donor from the search results.", "Amounts have at most two decimal places.",
                    "Enter the date the gift was received.", "Choose who is credited",
                    "Describe what was given in kind.", "Name the person the tribute is for."):
        assert message in html, message
    assert 'aria-invalid="true"' in html
    # The donor credited for their own gift: the service's message lands on the soft-credit row.
    response = _post(admin_client, url, {"contact_id": people["grace"], "amount": "10", "received_on": "2026-01-02",
                                         "sc_count": "1", "sc-0-contact": people["grace"], "sc-0-amount": "10"})
    assert response.status_code == 422
    assert "cannot also be soft-credited" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Gift.id))) == 0


def test_the_donor_is_prefilled_from_the_contact(admin_client, people):
    html = admin_client.get(f"/pipeline/gifts/new?contact={people['grace']}").get_data(as_text=True)
    assert re.search(rf'name="contact_id" value="{people["grace"]}" checked> Grace Hopper', html)


def test_live_donor_search_returns_choices(admin_client, people):
    html = admin_client.get("/pipeline/gifts/contact-search?field=contact_id&contact_id_q=grace",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'name="contact_id" value="{people["grace"]}"' in html and "grace@example.org" in html
    assert "<html" not in html
    assert "No contact matches" in admin_client.get(
        "/pipeline/gifts/contact-search?field=contact_id&contact_id_q=zzzz").get_data(as_text=True)


def _gift(contact_id, amount="100", day=date(2026, 1, 1), **fields):
    return gifts.record_gift(contact_id=contact_id, amount=Decimal(amount), received_on=day, **fields)


def test_editing_a_gift_records_a_diff_and_replaces_soft_credits(admin_client, app, people, fund_ids):
    with app.app_context():
        gift = _gift(people["grace"], "100", soft_credits=[(people["vincent"], Decimal("100"), "spouse")])
        db.session.commit()
        gift_id = gift.id
    url = f"/pipeline/gifts/{gift_id}/edit"
    form = admin_client.get(url).get_data(as_text=True)
    assert 'value="100.00"' in form and f'name="sc-0-contact" value="{people["vincent"]}" checked' in form
    response = _post(admin_client, url, {
        "contact_id": people["grace"], "amount": "120", "received_on": "2026-01-01", "fund_id": fund_ids["building"],
        "sc_count": "2", "sc-0-contact": people["vincent"], "sc-0-amount": "60", "sc-0-role": "spouse",
        "sc-1-contact": people["walter"], "sc-1-amount": "", "sc-1-role": "solicitor"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        gift = db.session.get(Gift, gift_id)
        assert gift.amount == Decimal("120.00") and gift.fund_id == fund_ids["building"]
        assert sorted((c.contact_id, c.amount, c.role) for c in gift.soft_credits) == sorted([
            (people["vincent"], Decimal("60.00"), "spouse"), (people["walter"], Decimal("120.00"), "solicitor")])
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update",
                                                            AuditEntry.object_type == "pipeline_gift")).one()
        assert entry.changes["amount"] == ["100.00", "120.00"]
        assert entry.changes["fund_id"] == [None, fund_ids["building"]]
        assert "soft_credits" in entry.changes


def test_deleting_a_gift_asks_first_and_is_audited(admin_client, app, people):
    with app.app_context():
        gift = _gift(people["grace"], "75", soft_credits=[(people["vincent"], Decimal("75"), "spouse")])
        db.session.commit()
        gift_id = gift.id
    url = f"/pipeline/gifts/{gift_id}/delete"
    confirm = admin_client.get(url).get_data(as_text=True)
    assert "Delete this gift?" in confirm and "$75.00 from Grace Hopper" in confirm
    with app.app_context():
        assert db.session.get(Gift, gift_id) is not None
    response = _post(admin_client, url, {})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Gift, gift_id) is None
        assert db.session.scalar(select(db.func.count(SoftCredit.id))) == 0
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "delete")) \
            == "Deleted gift $75.00 on 2026-01-01"


def test_list_filters_and_sql_totals(admin_client, app, people, fund_ids):
    with app.app_context():
        _gift(people["grace"], "10.10", date(2026, 1, 5), fund_id=fund_ids["building"], payment_method="card")
        _gift(people["grace"], "20.20", date(2026, 2, 5), fund_id=fund_ids["building"], payment_method="cash",
              appeal_id=fund_ids["spring"])
        _gift(people["vincent"], "500", date(2026, 3, 5), fund_id=fund_ids["general"], payment_method="card")
        acked = _gift(people["walter"], "0.70", date(2025, 12, 31))
        acked.acknowledged_at = datetime(2026, 1, 2, tzinfo=UTC)
        db.session.commit()

    def summary(query):
        html = admin_client.get(f"/pipeline/gifts/?{query}").get_data(as_text=True)
        return re.search(r'<p class="cl-count">\s*(.*?)\s*</p>', html, re.S).group(1), html

    text, html = summary("")
    assert "4 gifts</strong> totalling <strong>$531.00" in text
    assert html.index("Vincent Hopper") < html.index("Grace Hopper") < html.index("Walter Murray")  # newest first
    assert "4 gifts" not in summary(f"fund={fund_ids['building']}")[0]
    assert "2 gifts</strong> totalling <strong>$30.30" in summary(f"fund={fund_ids['building']}")[0]
    assert "1 gift</strong> totalling <strong>$20.20" in summary(f"appeal={fund_ids['spring']}")[0]
    assert "2 gifts</strong> totalling <strong>$510.10" in summary("method=card")[0]
    assert "2 gifts</strong> totalling <strong>$30.30" in summary("donor=grace")[0]
    assert "1 gift</strong> totalling <strong>$0.70" in summary("ack=yes")[0]
    assert "3 gifts</strong> totalling <strong>$530.30" in summary("ack=no")[0]
    assert "2 gifts</strong> totalling <strong>$30.30" in summary("from=2026-01-01&to=2026-02-28")[0]
    assert "2 gifts</strong> totalling <strong>$30.30" in summary("min=10.10&max=20.20")[0]
    assert "1 gift</strong> totalling <strong>$0.70" in summary("fund=none")[0]
    text, html = summary("min=lots&from=yesterday")
    assert "4 gifts" in text and "is not an amount" in html and "Write the date as YYYY-MM-DD." in html
    text, html = summary(f"contact={people['grace']}")
    assert "2 gifts</strong> totalling <strong>$30.30" in text and "Showing the gifts of" in html
    assert f'href="/pipeline/gifts/new?contact={people["grace"]}"' in html
    fragment = admin_client.get("/pipeline/gifts/?donor=vincent", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Push-Url"] == "/pipeline/gifts/?donor=vincent"
    assert "<html" not in fragment.get_data(as_text=True) and "$500.00" in fragment.get_data(as_text=True)


def test_keyset_pages_newest_first_with_bounded_queries(admin_client, app, people):
    with app.app_context():
        for i in range(5):
            _gift(people["grace"], str(i + 1), date(2026, 1, 1 + i))
        db.session.commit()
    with counted_queries(app) as few:
        assert admin_client.get("/pipeline/gifts/").status_code == 200
    with app.app_context():
        for i in range(60):
            _gift(people["vincent"] if i % 2 else people["walter"], "1", date(2025, 1, 1 + i % 28))
        db.session.commit()
    with counted_queries(app) as many:
        first = admin_client.get("/pipeline/gifts/").get_data(as_text=True)
    assert len(many) == len(few)
    assert "65 gifts" in first and first.count('href="/pipeline/gifts/') >= 100
    older = re.search(r'rel="next" href="([^"]*after=[^"]*)">Older', first).group(1).replace("&amp;", "&")
    second = admin_client.get(older).get_data(as_text=True)
    assert 'rel="prev"' in second and "Newer" in second and "Older" not in second
    assert second.count("<tr>") == 1 + 15  # header + the 15 oldest
    newer = re.search(r'rel="prev" href="([^"]*before=[^"]*)"><span aria-hidden="true">←</span> Newer', second)
    newer = newer.group(1).replace("&amp;", "&")
    back = admin_client.get(newer).get_data(as_text=True)
    assert back.count("<tr>") == 51 and "Newer" not in back


def test_who_may_see_and_record_gifts(client, app, people):
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "vol@example.org")
    assert client.get("/pipeline/gifts/").status_code == 403
    assert "Giving" not in client.get("/").get_data(as_text=True).split("</nav>")[0]
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})
    login(client, "staff@example.org")
    assert client.get("/pipeline/gifts/").status_code == 200
    assert client.get("/pipeline/gifts/new").status_code == 200
    assert client.get("/pipeline/admin/funds").status_code == 403
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/pipeline/gifts/"' in nav


def test_funds_and_appeals_admin(admin_client, app, people, fund_ids):
    response = _post(admin_client, "/pipeline/admin/funds/new", {"name": "Scholarships", "code": "SCH",
                                                                  "active": "y"})
    assert response.status_code == 303
    duplicate = _post(admin_client, "/pipeline/admin/funds/new", {"name": "scholarships", "active": "y"})
    assert duplicate.status_code == 422 and "There is already a fund named" in duplicate.get_data(as_text=True)
    bad = _post(admin_client, "/pipeline/admin/appeals/new", {"name": "Gala", "starts_on": "2026-05-01",
                                                              "ends_on": "2026-04-01", "active": "y"})
    assert "An appeal cannot end before it starts." in bad.get_data(as_text=True)
    with app.app_context():
        scholarships = db.session.scalar(select(Fund).where(Fund.name == "Scholarships"))
        assert scholarships.code == "SCH" and scholarships.active
        gift_id = _gift(people["grace"], "5", fund_id=scholarships.id).id
        db.session.commit()
        sid = scholarships.id
    # Rename and deactivate: the gift keeps it, new gifts are not offered it.
    response = _post(admin_client, f"/pipeline/admin/funds/{sid}/edit", {"name": "Scholarship fund", "code": "SCH"})
    assert response.status_code == 303
    with app.app_context():
        fund = db.session.get(Fund, sid)
        assert (fund.name, fund.active) == ("Scholarship fund", False)
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "pipeline_fund",
                                                            AuditEntry.action == "update")).one()
        assert entry.changes["name"] == ["Scholarships", "Scholarship fund"]
    form = admin_client.get("/pipeline/gifts/new").get_data(as_text=True)
    offered = re.search(r'<select[^>]*id="fund_id".*?</select>', form, re.S).group(0)
    assert "Building fund" in offered and "Scholarship" not in offered
    kept = admin_client.get(f"/pipeline/gifts/{gift_id}/edit").get_data(as_text=True)
    assert "Scholarship fund" in re.search(r'<select[^>]*id="fund_id".*?</select>', kept, re.S).group(0)
    listing = admin_client.get("/pipeline/admin/funds").get_data(as_text=True)
    assert "Scholarship fund" in listing and "Inactive" in listing
    # A used fund cannot be deleted; an unused one can, after confirming.
    refused = admin_client.get(f"/pipeline/admin/funds/{sid}/delete", follow_redirects=True)
    assert "cannot be deleted" in refused.get_data(as_text=True)
    assert "Delete the appeal" in admin_client.get(f"/pipeline/admin/appeals/{fund_ids['spring']}/delete")\
        .get_data(as_text=True)
    assert _post(admin_client, f"/pipeline/admin/appeals/{fund_ids['spring']}/delete", {}).status_code == 303
    with app.app_context():
        assert db.session.get(Fund, sid) is not None
        assert db.session.get(Appeal, fund_ids["spring"]) is None
