"""The contact list: sorting, keyset pages both ways, the capped count,
quick search (with its HTMX fragment), bounded queries, global search and
the dashboard widget."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import User
from modules.contacts.lists import queries
from modules.contacts.models import Contact, ContactTag, Tag
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import counted_queries

ROW = re.compile(r'<a id="c\d+" href="/contacts/(\d+)">([^<]*)</a>')


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return [html.unescape(n) for _, n in ROW.findall(response.get_data(as_text=True))]


def counted(client, url: str) -> str:
    """The count the list at `url` shows once its lazy count has come in."""
    path, _, query = url.partition("?")
    assert path == "/contacts/"
    response = client.get(f"/contacts/count?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def link(response, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def person(first: str, last: str = "", email: str | None = None, phone: str | None = None, city: str | None = None,
           postcode: str | None = None, country: str | None = None, **values) -> Contact:
    details = Details(
        emails=[{"email": email, "label": "", "is_primary": True}] if email else [],
        phones=[{"number": phone, "label": "", "is_primary": True}] if phone else [],
        addresses=[{"line1": "1 High St", "city": city or "", "postcode": postcode or "", "country": country or "",
                    "label": "", "is_primary": True}] if (city or postcode or country) else [])
    return records.create("person", {"first_name": first, "last_name": last, **values}, details)


def many(n: int, prefix: str = "Name") -> list[Contact]:
    """n people whose names sort as Name000, Name001, ... and distinct created times."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = []
    for i in range(n):
        contact = records.create("person", {"first_name": "Pat", "last_name": f"{prefix}{i:03d}"})
        contact.created_at = start + timedelta(hours=i)
        contact.updated_at = start + timedelta(hours=n - i)
        made.append(contact)
    db.session.commit()
    return made


def test_the_list_pages_forwards_and_back_with_rel_links(app, admin_client):
    with app.app_context():
        many(120)
    first = admin_client.get("/contacts/")
    assert names(first) == [f"Pat Name{i:03d}" for i in range(50)]
    assert "120 contacts" in counted(admin_client, "/contacts/")
    assert link(first, "prev") is None
    second = admin_client.get(link(first, "next"))
    assert names(second) == [f"Pat Name{i:03d}" for i in range(50, 100)]
    third = admin_client.get(link(second, "next"))
    assert names(third) == [f"Pat Name{i:03d}" for i in range(100, 120)]
    assert link(third, "next") is None
    back = admin_client.get(link(third, "prev"))
    assert names(back) == [f"Pat Name{i:03d}" for i in range(50, 100)]
    start = admin_client.get(link(back, "prev"))
    assert names(start) == [f"Pat Name{i:03d}" for i in range(50)]
    assert link(start, "prev") is None and link(start, "next")
    assert "offset" not in (link(first, "next") or "").lower()


def test_sorting_by_name_and_dates_both_directions(app, admin_client):
    with app.app_context():
        many(60)
    page = admin_client.get("/contacts/?sort=-name")
    assert names(page)[:2] == ["Pat Name059", "Pat Name058"]
    text = page.get_data(as_text=True)
    assert 'aria-sort="descending"' in text and "sorted descending; select to sort ascending" in text
    nxt = admin_client.get(link(page, "next"))
    assert names(nxt) == [f"Pat Name{i:03d}" for i in range(9, -1, -1)]
    assert names(admin_client.get(link(nxt, "prev")))[0] == "Pat Name059"
    newest = admin_client.get("/contacts/?sort=-created")
    assert names(newest)[0] == "Pat Name059"
    oldest = admin_client.get("/contacts/?sort=created")
    assert names(oldest)[0] == "Pat Name000"
    later = admin_client.get(link(oldest, "next"))
    assert names(later) == [f"Pat Name{i:03d}" for i in range(50, 60)]
    assert names(admin_client.get(link(later, "prev")))[-1] == "Pat Name049"
    # updated runs the other way round in the data
    assert names(admin_client.get("/contacts/?sort=updated"))[0] == "Pat Name059"
    # the headers' links: name first click ascending, dates newest first
    default = admin_client.get("/contacts/").get_data(as_text=True)
    assert 'aria-sort="ascending"' in default and 'href="/contacts/?sort=-created"' in default
    assert 'href="/contacts/?sort=-name"' in default


def test_a_bad_cursor_or_sort_gives_the_first_page(app, admin_client):
    with app.app_context():
        many(3)
    for url in ("/contacts/?after=zzz", "/contacts/?before=12:", "/contacts/?sort=-created&after=1:notadate",
                "/contacts/?sort=bogus"):
        assert names(admin_client.get(url))[0] in ("Pat Name000", "Pat Name002")


def test_the_count_is_capped(app, admin_client, monkeypatch):
    with app.app_context():
        many(12)
    assert "<strong>12 contacts</strong>" in counted(admin_client, "/contacts/")
    monkeypatch.setattr(queries, "COUNT_CAP", 5)
    text = counted(admin_client, "/contacts/")
    assert "<strong>5+ contacts</strong>" in text
    assert '<option id="cl-all" hx-swap-oob="innerHTML">all 5+ matching contacts</option>' in text
    counted_page = admin_client.get("/contacts/?count=1").get_data(as_text=True)  # the no-JavaScript page
    assert "<strong>5+ contacts</strong>" in counted_page and "all 5+ matching contacts" in counted_page
    with app.app_context():
        where = [Contact.deleted_at.is_(None)]
        assert queries.capped_count(where) == (5, True)


def test_quick_search_by_name_prefix_email_and_phone(app, admin_client):
    with app.app_context():
        person("Ann", "Smith", email="ann@riverside.example", phone="+441632960001")
        person("Andrew", "Smithers", email="andrew@hill.example")
        records.create("organisation", {"name": "Riverside Food Bank"})
        person("Zed", "Other")
        db.session.commit()
    assert names(admin_client.get("/contacts/?q=smi")) == ["Ann Smith", "Andrew Smithers"]
    assert names(admin_client.get("/contacts/?q=andrew@hill")) == ["Andrew Smithers"]
    assert names(admin_client.get("/contacts/?q=riverside")) == ["Riverside Food Bank", "Ann Smith"]
    assert names(admin_client.get("/contacts/?q=%2B44 1632 960001")) == ["Ann Smith"]
    page = admin_client.get("/contacts/?q=smi")
    assert 'value="smi"' in page.get_data(as_text=True)  # bookmarkable: the box shows the query
    assert "2 contacts" in counted(admin_client, "/contacts/?q=smi")


def test_htmx_gets_only_the_results_fragment_with_the_canonical_url(app, admin_client):
    with app.app_context():
        person("Ann", "Smith")
        db.session.commit()
    response = admin_client.get("/contacts/?q=ann&fk=&fo=&fv=&fv2=", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="contact-results"')
    assert names(response) == ["Ann Smith"]
    assert response.headers["HX-Push-Url"] == "/contacts/?q=ann"
    assert "HX-Request" in response.headers["Vary"]
    full = admin_client.get("/contacts/?q=ann")
    assert "<html" in full.get_data(as_text=True) and 'hx-trigger="input changed delay:300ms, search"' in \
        full.get_data(as_text=True)


def test_the_form_rows_redirect_to_the_canonical_query(app, admin_client):
    response = admin_client.get("/contacts/?q=&fk=city&fo=is&fv=Leeds&fv2=&fk=created&fo=between&fv=2024-01-01"
                                "&fv2=2024-02-01&fk=&fo=&fv=&fv2=&match=any")
    assert response.status_code == 302
    assert html.unescape(response.headers["Location"]) == (
        "/contacts/?f=city:is:Leeds&f=created:between:2024-01-01..2024-02-01&match=any")
    removed = admin_client.get("/contacts/?fk=city&fo=is&fv=Leeds&fv2=&fk=kind&fo=is&fv=person&fv2=&remove=0")
    assert html.unescape(removed.headers["Location"]) == "/contacts/?f=kind:is:person"


def test_names_with_html_appear_as_text(app, admin_client):
    with app.app_context():
        person("<script>alert(1)</script>", "<b>Bold</b>")
        db.session.commit()
    text = admin_client.get("/contacts/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text and "<b>Bold</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Bold&lt;/b&gt;" in text
    # each checkbox is labelled "Select <name>"
    assert re.search(r'<span id="cl-s" class="visually-hidden">Select</span>', text)
    assert re.search(r'<input type="checkbox" name="ids" value="(\d+)" aria-labelledby="cl-s c\1"> <a id="c\1"', text)


def _count_queries(app, client, url: str) -> int:
    with counted_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _tagged_people(app, n: int, start: int) -> None:
    with app.app_context():
        owner = db.session.scalar(db.select(User))
        tags = db.session.scalars(db.select(Tag)).all()
        if not tags:
            tags = [Tag(name="Volunteer", colour="green"), Tag(name="Donor", colour="blue")]
            db.session.add_all(tags)
            db.session.flush()
        for i in range(start, start + n):
            contact = person("Pat", f"Tagged{i:03d}", email=f"p{i}@example.org", phone="+441632960001",
                             city="Leeds", postcode="LS1 1AA", owner_id=owner.id)
            db.session.add_all([ContactTag(contact_id=contact.id, tag_id=t.id) for t in tags])
        db.session.commit()


def test_a_page_of_10_rows_takes_as_many_queries_as_a_page_of_50(app, admin_client):
    _tagged_people(app, 10, 0)
    ten = _count_queries(app, admin_client, "/contacts/")
    _tagged_people(app, 50, 10)
    fifty = _count_queries(app, admin_client, "/contacts/")
    response = admin_client.get("/contacts/")
    assert len(names(response)) == 50
    assert ten == fifty
    with app.app_context():
        owner = db.session.scalar(db.select(User)).name
    row = re.search(r'<tr><td>.*?Tagged000.*?</tr>', response.get_data(as_text=True))[0]
    assert '<span class="tag-chip tag-blue">Donor</span><span class="tag-chip tag-green">Volunteer</span>' in row
    assert f"<td>{owner}</td>" in row and "Leeds" in row and "LS1 1AA" in row


def test_a_full_page_is_under_30_kb(app, admin_client):
    _tagged_people(app, 55, 0)
    response = admin_client.get("/contacts/")
    assert len(names(response)) == 50
    assert len(response.get_data()) < 30_000, len(response.get_data())


def test_global_search_and_the_widget(app, admin_client):
    with app.app_context():
        person("Ann", "Smith", email="ann@example.org", city="Leeds")
        gone = person("Anna", "Trashed")
        old = person("Old", "Timer")
        old.created_at = datetime(2001, 1, 1, tzinfo=UTC)
        db.session.flush()
        records.trash([gone])
        db.session.commit()
        from modules.contacts.views.listing import global_search_results

        with app.test_request_context():
            results = global_search_results("ann", 5)
            assert results == [("Ann Smith", f"/contacts/{results[0][1].rsplit('/', 1)[1]}", "ann@example.org · Leeds")]
            assert global_search_results("", 5) == []
    search = admin_client.get("/search?q=ann").get_data(as_text=True)
    assert "Ann Smith" in search and "Anna Trashed" not in search
    dashboard = admin_client.get("/").get_data(as_text=True)
    assert "Contacts added this month" in dashboard
    widget = dashboard.split('id="widget-contacts-added"', 1)[1].split("</section>", 1)[0]
    assert "<strong>1</strong> new contact this month" in widget
    assert "Ann Smith" in widget and "Old Timer" not in widget and "Anna Trashed" not in widget


def test_the_list_counts_lazily_and_still_counts_without_javascript(app, admin_client):
    with app.app_context():
        many(3)
        person("Ann", "Smith", city="Leeds")
        db.session.commit()
    with counted_queries(app) as statements:
        page = admin_client.get("/contacts/?q=ann&f=city:is:Leeds").get_data(as_text=True)
    assert not any("count(" in s.lower() for s in statements)  # the rows do not wait for the count
    lazy = re.search(r'<noscript><a href="([^"]+)">Count the contacts</a></noscript>'
                     r'<strong hx-get="([^"]+)" hx-trigger="load" hx-target="this" hx-swap="outerHTML"></strong>', page)
    assert lazy, page
    no_js, count_url = (html.unescape(u) for u in lazy.groups())
    assert count_url == "/contacts/count?q=ann&f=city:is:Leeds"
    assert no_js == "/contacts/?q=ann&f=city:is:Leeds&count=1"
    fragment = admin_client.get(count_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "<strong>1 contact</strong>" in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    # Without HTMX, the count's address sends the person to the list that counts in the page.
    plain = admin_client.get(count_url)
    assert plain.status_code == 302 and html.unescape(plain.headers["Location"]) == no_js
    counted_page = admin_client.get(no_js).get_data(as_text=True)
    assert '<p class="cl-count"><strong>1 contact</strong> matching “ann”' in counted_page
    assert "Count the contacts" not in counted_page and names(admin_client.get(no_js)) == ["Ann Smith"]
    assert "<strong>4 contacts</strong>" in counted(admin_client, "/contacts/")


def test_the_list_page_reads_the_session_fields_rows_tags_and_settings_in_five_queries(app, admin_client):
    _tagged_people(app, 60, 0)
    admin_client.get("/contacts/")
    with counted_queries(app) as statements:
        assert len(names(admin_client.get("/contacts/"))) == 50
    assert len(statements) == 5, statements
    assert any("contacts_custom_field" in s for s in statements)  # the filter builder offers custom fields
    # The fragment draws no filter builder and has no rules to read: no custom fields.
    with counted_queries(app) as statements:
        assert len(names(admin_client.get("/contacts/?q=pat", headers={"HX-Request": "true"}))) == 50
    assert len(statements) == 4 and not any("contacts_custom_field" in s for s in statements), statements
    nxt = link(admin_client.get("/contacts/"), "next")
    with counted_queries(app) as statements:  # a later page also asks whether there is one before it
        assert len(names(admin_client.get(nxt))) == 10
    assert len(statements) == 6, statements
