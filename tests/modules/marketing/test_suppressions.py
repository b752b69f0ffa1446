"""The suppression list: addresses stored lower-cased, searched by their
start, paged by keyset, removed after a confirmation, exported as CSV with
formula-like cells neutralised, each export audited."""

from __future__ import annotations

from sqlalchemy import select

from app import paging
from app.extensions import db
from app.models import AuditEntry
from modules.marketing.models import HARD_BOUNCE, Suppression
from modules.marketing.suppressions import suppress
from tests.conftest import post_form
from tests.modules.marketing.helpers import count


def _stored(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(Suppression.email, Suppression.reason)
                                                     .order_by(Suppression.id))]


def test_an_address_is_added_lower_cased_once(app, admin_client):
    response = post_form(admin_client, "/marketing/suppressions/new",
                         {"email": "  Someone@Example.ORG ", "reason": "manual", "note": "Asked by phone"})
    assert response.status_code == 303
    assert _stored(app) == [("someone@example.org", "manual")]
    again = post_form(admin_client, "/marketing/suppressions/new", {"email": "SOMEONE@example.org",
                                                                    "reason": "complaint"})
    assert again.status_code == 422
    assert "someone@example.org is on the list already (added by hand)." in again.get_data(as_text=True)
    assert _stored(app) == [("someone@example.org", "manual")]
    bad = post_form(admin_client, "/marketing/suppressions/new", {"email": "not an address", "reason": "manual"})
    assert bad.status_code == 422 and "Enter a valid email address" in bad.get_data(as_text=True)


def test_the_list_is_searched_by_the_start_of_an_address_and_paged(app, admin_client, monkeypatch):
    with app.app_context():
        for n in range(7):
            suppress(f"user{n}@example.org", HARD_BOUNCE)
        suppress("other_1%@example.net", "manual")
        db.session.commit()
    from modules.marketing.views import suppressions as view

    monkeypatch.setattr(view, "keyset", lambda *a, **k: paging.keyset(*a, **{**k, "per_page": 3}))
    first = admin_client.get("/marketing/suppressions").get_data(as_text=True)
    # Newest first, three a page.
    assert "other_1%@example.net" in first and "user6@example.org" in first and "user5@example.org" in first
    assert "user4@example.org" not in first
    assert f'href="/marketing/suppressions?before={_last_id(app, "user5@example.org")}"' in first
    older = admin_client.get("/marketing/suppressions?before=" + _last_id(app, "user5@example.org"))
    html = older.get_data(as_text=True)
    assert all(f"user{n}@example.org" in html for n in (4, 3, 2)) and "user5@example.org" not in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    found = admin_client.get("/marketing/suppressions?q=OTHER_1%").get_data(as_text=True)
    assert "other_1%@example.net" in found and "user" not in found.split("<tbody>")[1].split("</tbody>")[0]
    # % and _ are taken literally: "other_" does not match "otherX".
    none = admin_client.get("/marketing/suppressions?q=user_").get_data(as_text=True)
    assert "No suppressed address starts with “user_”." in none
    fragment = admin_client.get("/marketing/suppressions?q=user6", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.get_data(as_text=True) and "user6@example.org" in fragment.get_data(as_text=True)


def _last_id(app, email) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Suppression.id).where(Suppression.email == email)))


def test_removing_asks_first_and_then_removes(app, admin_client):
    with app.app_context():
        row, _ = suppress("gone@example.org", HARD_BOUNCE)
        db.session.commit()
        row_id = row.id
    url = f"/marketing/suppressions/{row_id}/remove"
    question = admin_client.get(url).get_data(as_text=True)
    assert "Remove gone@example.org from the suppression list?" in question
    assert "hard bounce" in question
    assert count(app, Suppression) == 1  # asking removed nothing
    assert post_form(admin_client, url, {}).status_code == 303
    assert count(app, Suppression) == 0
    # A second removal (another tab) says it is gone rather than failing.
    assert post_form(admin_client, url, {}, page="/marketing/suppressions").status_code == 303


def test_the_export_is_csv_with_formulas_neutralised_and_audited(app, admin_client):
    with app.app_context():
        suppress("plain@example.org", HARD_BOUNCE, note="550 no such user")
        suppress("=cmd@example.org", "manual", note="+SUM(A1)")
        db.session.commit()
    assert admin_client.get("/marketing/suppressions/export.csv").status_code == 405  # a POST, like every export
    response = post_form(admin_client, "/marketing/suppressions/export.csv", {}, page="/marketing/suppressions")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Email,Reason,Note,Added"
    assert lines[1].startswith("plain@example.org,Hard bounce,550 no such user,")
    assert lines[2].startswith("'=cmd@example.org,Added by hand,'+SUM(A1),")
    assert len(lines) == 3
    found = post_form(admin_client, "/marketing/suppressions/export.csv", {"q": "PLAIN"},
                      page="/marketing/suppressions?q=plain")
    assert [line.split(",")[0] for line in found.get_data(as_text=True).splitlines()] == ["Email", "plain@example.org"]
    with app.app_context():
        summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "export")
                                       .order_by(AuditEntry.id)).all()
    assert summaries == ["Exported the suppression list", "Exported the suppression list (addresses starting “PLAIN”)"]
