"""The knowledge base: full-text search on both databases (FTS5 / tsvector
through app/fulltext.py), internal articles never on the public site,
drafts, versions and their diff, "was this helpful?" counts, and the
agents' article lookup from the reply box."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

from sqlalchemy import select

from app.extensions import db
from modules.helpdesk.kb import articles, feedback, search
from modules.helpdesk.kb.models import Article, ArticleVersion, Feedback
from tests.conftest import csrf_from, post_form
from tests.modules.helpdesk.kb_helpers import INTERNAL, article, author, category, count

HX = {"HX-Request": "true"}


def test_search_finds_published_public_articles_by_word_prefixes_and_folded_accents(ctx, admin):
    receipt = article(
        "How do I get a receipt for my gift?",
        "We email a **reçu** (receipt) within three days.",
        summary="Tax receipts for donations",
    )
    article("Changing your monthly direct debit", "Use the form to change the amount of a direct debit.")
    article("Refund procedure", "Refunds of a receipt need two signatures.", visibility=INTERNAL)
    article("Draft about receipts", "Not ready", publish=False)
    db.session.commit()
    assert [a.title for a in search.public("receipt")] == ["How do I get a receipt for my gift?"]
    assert [a.id for a in search.public("rece gif")] == [receipt.id]  # prefixes of every word
    assert [a.id for a in search.public("RECU")] == [receipt.id]  # "reçu" folded on both sides
    assert search.public("debit amount")[0].title == "Changing your monthly direct debit"
    assert search.public("signatures") == []  # internal: not in the public index
    assert search.public("ready") == []  # never published
    assert {a.title for a in search.staff("receipt")} == {
        "How do I get a receipt for my gift?",
        "Refund procedure",
        "Draft about receipts",
    }


def test_suggestions_match_any_uncommon_word_best_first(ctx, admin):
    article("Lost my password", "Reset your password from the sign-in page.")
    article("Receipts for gifts", "Every gift gets a receipt. Lost receipts are sent again on request.")
    db.session.commit()
    titles = [a.title for a in search.suggest("I lost my receipt", "where is the receipt for my gift")]
    assert titles[0] == "Receipts for gifts" and "Lost my password" in titles
    assert search.suggest("how do I", "please help") == []  # nothing but common words


def test_a_withdrawn_or_internal_article_leaves_the_public_index(ctx, admin):
    a = article("Opening hours", "We answer Monday to Friday.")
    db.session.commit()
    assert search.public("monday")
    articles.withdraw(a, author())
    db.session.commit()
    assert search.public("monday") == []
    articles.publish(a, 1, author())
    a.visibility = INTERNAL
    search.reindex(a)
    db.session.commit()
    assert search.public("monday") == [] and search.staff("monday")


def _walk(client, start="/help/") -> dict[str, str]:
    """Every page under /help/ reachable by links from `start`: {path: html}."""
    seen, todo = {}, [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        seen[path] = html
        for href in re.findall(r'href="([^"#]+)', html):
            url = urlparse(urljoin("http://localhost" + path, href.replace("&amp;", "&")))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.path.startswith("/help/") and not url.path.startswith("/help/signin/") and target not in seen:
                todo.append(target)
    return seen


def test_no_public_page_shows_an_internal_article(app, client, admin):
    with app.app_context():
        shared = category("Accounts")
        article("Updating your address", "Tell us your new address.", cat=shared)
        hidden = article(
            "Internal: handling angry callers",
            "Secret script for calls.",
            visibility=INTERNAL,
            cat=shared,
            summary="Confidential",
        )
        article("Internal only category", "Secret too.", visibility=INTERNAL, cat=category("Staff procedures"))
        public_one = db.session.scalar(select(Article).where(Article.title == "Updating your address"))
        articles.set_related(public_one, [hidden.id])
        db.session.commit()
        slug = hidden.slug
    pages = _walk(client)
    pages.update(_walk(client, "/help/search?q=secret"))
    pages.update(_walk(client, "/help/new/suggest?subject=handling+angry+callers+secret"))
    assert "/help/articles/updating-your-address" in pages and len(pages) >= 4
    for path, html in pages.items():
        assert "Secret" not in html and "angry callers" not in html and "Staff procedures" not in html, path
    assert client.get(f"/help/articles/{slug}").status_code == 404
    assert client.get("/help/categories/staff-procedures").status_code == 404


def test_saving_makes_versions_readers_see_only_the_published_one_and_the_diff_shows_each_change(app, admin_client):
    with app.app_context():
        cat_id = category().id
        db.session.commit()
    response = post_form(
        admin_client,
        "/helpdesk/kb/new",
        {
            "title": "Gift Aid",
            "summary": "What Gift Aid is",
            "body": "Line one.\nLine two.\nLine three.",
            "category_id": cat_id,
            "visibility": "public",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        a = db.session.scalar(select(Article))
        article_id, slug = a.id, a.slug
    assert admin_client.get(f"/help/articles/{slug}").status_code == 404  # a draft
    post_form(admin_client, f"/helpdesk/kb/{article_id}/publish", {"number": 1}, page=f"/helpdesk/kb/{article_id}")
    edit = admin_client.get(f"/helpdesk/kb/{article_id}/edit").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', edit).group(1)
    response = post_form(
        admin_client,
        f"/helpdesk/kb/{article_id}/edit",
        {
            "title": "Gift Aid",
            "summary": "What Gift Aid is",
            "body": "Line one.\nLine 2, rewritten.\nLine three.",
            "category_id": cat_id,
            "visibility": "public",
            "slug": slug,
            "edit_token": token,
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert [v.number for v in db.session.scalars(select(ArticleVersion).order_by(ArticleVersion.number))] == [1, 2]
        assert db.session.get(Article, article_id).published_number == 1
    public_html = admin_client.get(f"/help/articles/{slug}").get_data(as_text=True)
    assert "Line two." in public_html and "rewritten" not in public_html
    diff = admin_client.get(f"/helpdesk/kb/{article_id}/versions/2").get_data(as_text=True)
    rows = re.findall(
        r'<tr class="kb-(added|removed|same)"><td>(\w+)</td><td class="kb-num">(\d*)</td><td class="kb-num">(\d*)</td>'
        r'<td class="kb-line">([^<]*)</td>',
        diff,
    )
    assert ("removed", "Removed", "2", "", "Line two.") in rows
    assert ("added", "Added", "", "2", "Line 2, rewritten.") in rows
    assert ("same", "Unchanged", "1", "1", "Line one.") in rows
    post_form(admin_client, f"/helpdesk/kb/{article_id}/publish", {"number": 2}, page=f"/helpdesk/kb/{article_id}")
    assert "rewritten" in admin_client.get(f"/help/articles/{slug}").get_data(as_text=True)
    # Saving without a change of text adds no version.
    edit = admin_client.get(f"/helpdesk/kb/{article_id}/edit").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', edit).group(1)
    post_form(
        admin_client,
        f"/helpdesk/kb/{article_id}/edit",
        {
            "title": "Gift Aid",
            "summary": "What Gift Aid is",
            "body": "Line one.\nLine 2, rewritten.\nLine three.",
            "category_id": cat_id,
            "visibility": "internal",
            "slug": slug,
            "edit_token": token,
        },
    )
    with app.app_context():
        assert count(ArticleVersion) == 2
    assert admin_client.get(f"/help/articles/{slug}").status_code == 404  # now internal


def test_two_editors_of_one_article_conflict_instead_of_overwriting(app, admin_client):
    with app.app_context():
        a = article("Opening hours", "Monday to Friday.")
        db.session.commit()
        article_id, slug, cat_id = a.id, a.slug, a.category_id
    page = admin_client.get(f"/helpdesk/kb/{article_id}/edit").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page).group(1)
    values = {
        "title": "Opening hours",
        "summary": "",
        "category_id": cat_id,
        "visibility": "public",
        "slug": slug,
        "edit_token": token,
    }
    assert (
        post_form(
            admin_client, f"/helpdesk/kb/{article_id}/edit", {**values, "body": "Monday to Saturday."}
        ).status_code
        == 303
    )
    second = post_form(admin_client, f"/helpdesk/kb/{article_id}/edit", {**values, "body": "Weekdays, 9 to 5."})
    assert second.status_code == 409
    assert "Weekdays, 9 to 5." in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, article_id).body == "Monday to Saturday."


def test_markdown_is_rendered_and_script_is_inert(app, client, admin):
    with app.app_context():
        a = article(
            "Formatting",
            "**Bold** and <script>alert(1)</script> <img src=x onerror=alert(2)> [a link](javascript:alert(3))",
        )
        db.session.commit()
        slug = a.slug
    html = client.get(f"/help/articles/{slug}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    text = html.split('<div class="kb-text">')[1].split("</div>")[0]
    assert "<script" not in text and "onerror" not in text and 'href="javascript:' not in text
    assert '<img src="x">' in text or "<img" not in text


def test_helpful_votes_are_counted_and_rate_limited_per_address(app, client, admin):
    with app.app_context():
        a = article("Opening hours", "Monday to Friday.")
        db.session.commit()
        slug, article_id = a.slug, a.id
    url = f"/help/articles/{slug}"
    assert post_form(client, url + "/helpful", {"helpful": "yes"}, page=url).status_code == 303
    assert post_form(client, url + "/helpful", {"helpful": "no"}, page=url).status_code == 303
    response = post_form(client, url + "/helpful", {"helpful": "yes"}, page=url, headers=HX)
    assert "Thank you for telling us." in response.get_data(as_text=True)
    over = post_form(client, url + "/helpful", {"helpful": "yes"}, page=url, headers=HX)
    assert "we already have your answer" in over.get_data(as_text=True)
    with app.app_context():
        assert feedback.counts([article_id]) == {article_id: (2, 1)}
        assert count(Feedback) == 3


def test_staff_see_counts_and_internal_articles_need_their_permission(app, admin_client):
    from tests.conftest import login, make_user

    with app.app_context():
        a = article("Opening hours", "Monday to Friday.")
        db.session.add(Feedback(article_id=a.id, helpful=True))
        hidden = article("Refund procedure", "Two signatures.", visibility=INTERNAL)
        db.session.commit()
        hidden_id = hidden.id
        make_user(app, email="vol@example.org", role_key="volunteer", name="Val Volunteer")
    listing = admin_client.get("/helpdesk/kb/").get_data(as_text=True)
    assert "1 yes · 0 no" in listing and "Refund procedure" in listing
    volunteer = app.test_client()
    login(volunteer, "vol@example.org")
    listing = volunteer.get("/helpdesk/kb/").get_data(as_text=True)
    assert "Opening hours" in listing and "Refund procedure" not in listing
    assert volunteer.get(f"/helpdesk/kb/{hidden_id}").status_code == 404


def test_agents_find_an_article_from_the_reply_box_and_insert_its_link_or_text(app, admin_client):
    from tests.modules.helpdesk.test_portal import make_ticket

    with app.app_context():
        a = article("Opening hours", "We answer **Monday to Friday**.")
        db.session.commit()
        article_id, slug = a.id, a.slug
    ticket_id = make_ticket(app)
    fragment = admin_client.get(f"/helpdesk/kb/lookup?q=open&ticket={ticket_id}", headers=HX).get_data(as_text=True)
    assert "Opening hours" in fragment and "Insert link" in fragment and "Insert text" in fragment
    token = csrf_from(admin_client, "/helpdesk/kb/")
    linked = admin_client.post(
        "/helpdesk/kb/insert",
        data={"article": article_id, "how": "link", "body": "Dear Ann,", "ticket": ticket_id},
        headers={**HX, "X-CSRFToken": token},
    ).get_data(as_text=True)
    assert 'id="hd-reply-body"' in linked  # the reply box itself, as canned replies swap it
    assert re.search(rf">\s*Dear Ann,\n\nOpening hours: http://[^/]+/help/articles/{slug}\n</textarea>", linked)
    texted = admin_client.post(
        "/helpdesk/kb/insert",
        data={"article": article_id, "how": "text", "body": "", "ticket": ticket_id},
        headers={**HX, "X-CSRFToken": token},
    ).get_data(as_text=True)
    assert "We answer **Monday to Friday**." in texted
    # Without JavaScript: a page to copy from.
    page = admin_client.get(f"/helpdesk/kb/lookup?q=monday&ticket={ticket_id}").get_data(as_text=True)
    assert f"/help/articles/{slug}" in page and "We answer **Monday to Friday**.</textarea>" in page


def test_deleting_an_article_asks_first_then_removes_it_from_the_help_site(app, admin_client):
    with app.app_context():
        a = article("Opening hours", "Monday to Friday.")
        db.session.commit()
        article_id, slug = a.id, a.slug
    question = admin_client.get(f"/helpdesk/kb/{article_id}/delete").get_data(as_text=True)
    assert "Delete “Opening hours”?" in question and "disappears from the help site" in question
    with app.app_context():
        assert count(Article) == 1
    response = post_form(admin_client, f"/helpdesk/kb/{article_id}/delete", {})
    assert response.status_code == 303
    with app.app_context():
        assert count(Article) == 0 and count(ArticleVersion) == 0
        assert search.public("monday") == [] and search.staff("monday") == []
    assert admin_client.get(f"/help/articles/{slug}").status_code == 404
