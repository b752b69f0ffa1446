"""The contact timeline: logging entries, order, paging, other modules'
entries, escaping, edit/delete rules, audit, permissions and query counts."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditEntry
from app.registry import Module
from modules.contacts.activity import timeline
from modules.contacts.hooks import ContactHooks, TimelineEntry
from modules.contacts.models import Activity, Task
from modules.contacts.people import records
from tests.conftest import counted_queries, csrf_from, login, logout, make_user, post_form

TITLE_RE = re.compile(r'class="badge tl-badge">([^<]+)</span>\s*(?:<span class="tl-title">([^<]*)</span>)?')
ENTRY_ID_RE = re.compile(r'id="entry-(\d+)"')
MORE_RE = re.compile(r'rel="next" href="([^"]+)"')


def make_contact(app, **values) -> int:
    with app.app_context():
        contact = records.create("person", {"first_name": "Ann", "last_name": "Smith", **values})
        db.session.commit()
        return contact.id


def log(client, contact_id, kind, subject, body="", when="2024-03-05T09:00", **headers):
    url = f"/contacts/{contact_id}/timeline"
    return post_form(client, url, {"entry-kind": kind, "entry-subject": subject, "entry-body": body,
                                   "entry-occurred_at": when}, headers=headers)


def entries_of(html: str) -> list[tuple[str, str]]:
    """(badge, title) of each entry shown, in order."""
    return [(badge, title) for badge, title in TITLE_RE.findall(html)]


def add_activities(app, contact_id, n, *, start, user_ids=(None,), step=timedelta(minutes=1), kind="note"):
    with app.app_context():
        for i in range(n):
            db.session.add(Activity(contact_id=contact_id, kind=kind, subject=f"Entry {i}",
                                    occurred_at=start + i * step, user_id=user_ids[i % len(user_ids)]))
        db.session.commit()


@contextmanager
def extra_module(app, provider):
    """Another module that adds timeline entries, enabled for the length of a test."""
    state = app.extensions["steward"]
    fake = Module(name="gifts", title="Gifts", extends={"contacts": ContactHooks(timeline=provider)})
    state.enabled.append(fake)
    try:
        yield fake
    finally:
        state.enabled.remove(fake)


def test_logged_notes_calls_and_meetings_appear_newest_first_with_their_kinds(app, admin_client):
    cid = make_contact(app)
    for kind, subject, when in (("note", "Met at the fair", "2024-03-05T09:00"),
                                ("call", "Called about the gala", "2024-03-05T10:30"),
                                ("meeting", "Coffee with Ann", "2024-03-06T08:00"),
                                ("email", "Sent the annual report", "2024-03-04T17:00")):
        response = log(admin_client, cid, kind, subject, "Details here", when)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/contacts/{cid}/timeline")
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert entries_of(html) == [("Change", "Created person"), ("Meeting", "Coffee with Ann"),
                                ("Call", "Called about the gala"), ("Note", "Met at the fair"),
                                ("Email", "Sent the annual report")]
    assert "Ann Smith" in html and "Ada Admin" in html
    assert 'datetime="2024-03-06T08:00:00+00:00"' in html and "6 Mar 2024, 08:00 UTC" in html
    with app.app_context():
        rows = db.session.scalars(db.select(Activity).where(Activity.kind != "change")).all()
        assert {(a.kind, a.user_id is not None) for a in rows} == {
            ("note", True), ("call", True), ("meeting", True), ("email", True)}
        audits = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "contacts_activity")).all()
        assert len(audits) == 4 and {a.action for a in audits} == {"create"}
        assert {a.object_id for a in audits} == {str(a.id) for a in rows}


def test_the_org_timezone_is_used_for_input_and_display(app, admin_client):
    from app import settings

    with app.app_context():
        settings.put("core", {"timezone": "America/New_York"})
        db.session.commit()
    cid = make_contact(app)
    assert log(admin_client, cid, "call", "Evening call", when="2024-07-01T18:00").status_code == 303
    with app.app_context():
        call = db.session.scalar(db.select(Activity).where(Activity.kind == "call"))
        assert call.occurred_at == datetime(2024, 7, 1, 22, 0, tzinfo=UTC)
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert "1 Jul 2024, 18:00 EDT" in html


def test_the_default_time_is_now_and_keeps_entries_in_order(app, admin_client):
    cid = make_contact(app)
    page = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    default = re.search(r'name="entry-occurred_at"[^>]*value="([^"]+)"', page).group(1)
    for subject in ("First", "Second", "Third"):
        assert log(admin_client, cid, "note", subject, when=default).status_code == 303
    html = admin_client.get(f"/contacts/{cid}/timeline?kind=notes").get_data(as_text=True)
    assert [t for _, t in entries_of(html)] == ["Third", "Second", "First"]


def test_html_in_entries_is_shown_as_text_with_newlines_kept(app, admin_client):
    cid = make_contact(app)
    log(admin_client, cid, "note", "<b>Bold</b> claim", "<script>alert('x')</script>\nSecond line")
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>Bold" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; claim" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\nSecond line" in html


def test_validation_errors_are_shown_next_to_the_fields(app, admin_client):
    cid = make_contact(app)
    response = log(admin_client, cid, "note", "", "")
    assert response.status_code == 422
    assert "Write a subject or some details." in response.get_data(as_text=True)
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = log(admin_client, cid, "call", "Later", when=future, **{"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Add a task for what is planned" in html and "<html" not in html and "tl-form" in html
    response = log(admin_client, cid, "change", "Sneaky")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Activity.id))) == 1  # "Created person" only


def test_htmx_posts_answer_204_with_the_event_and_the_region_reloads_itself(app, admin_client):
    cid = make_contact(app)
    response = log(admin_client, cid, "note", "Quick note", **{"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Trigger"] == "timeline-changed"
    region = admin_client.get(f"/contacts/{cid}/timeline", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in region and "Quick note" in region
    assert 'hx-trigger="timeline-changed from:body"' in region
    assert f'id="timeline-{cid}"' in region


def test_paging_with_before_returns_older_entries_without_duplicates(app, admin_client):
    cid = make_contact(app)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    add_activities(app, cid, 40, start=start)
    # Eleven entries share one timestamp, across a page boundary.
    add_activities(app, cid, 11, start=start + timedelta(minutes=30, seconds=30), step=timedelta(0), kind="call")
    with app.app_context():
        expected = [a.id for a in db.session.scalars(
            db.select(Activity).order_by(Activity.occurred_at.desc(), Activity.id.desc()))]
    seen, url, pages = [], f"/contacts/{cid}/timeline", 0
    while url:
        html = admin_client.get(url).get_data(as_text=True)
        seen += [int(i) for i in ENTRY_ID_RE.findall(html)]
        more = MORE_RE.search(html)
        url = more and more.group(1).replace("&amp;", "&")
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 52
    assert seen == expected


def test_show_older_with_htmx_returns_only_the_next_items(app, admin_client):
    cid = make_contact(app)
    add_activities(app, cid, 30, start=datetime(2023, 1, 1, tzinfo=UTC))
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    link = re.search(r'rel="next" href="[^"]+" hx-get="([^"]+)" hx-target="closest li" hx-swap="outerHTML"', html)
    assert link and "part=entries" in link.group(1)
    part = admin_client.get(link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    text = part.get_data(as_text=True)
    assert text.lstrip().startswith("<li") and "<section" not in text and "tl-form" not in text
    assert len(ENTRY_ID_RE.findall(text)) == 31 - timeline.PER_PAGE  # 30 notes and "Created person"
    assert "Show older" not in text
    no_js = admin_client.get(re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&"))
    assert "<html" in no_js.get_data(as_text=True) and "Back to the newest entries" in no_js.get_data(as_text=True)


def test_entries_of_other_modules_interleave_by_time(app, admin_client):
    cid = make_contact(app)
    log(admin_client, cid, "note", "Thank-you note", when="2024-03-05T09:00")
    log(admin_client, cid, "call", "Follow-up call", when="2024-03-07T09:00")

    def gifts(contact_id, before, limit):
        rows = [TimelineEntry(at=datetime(2024, 3, 8, tzinfo=UTC), kind="gift", title="Gift of £50",
                              url="/gifts/2", by="Bo Treasurer"),
                TimelineEntry(at=datetime(2024, 3, 6, tzinfo=UTC), kind="gift", title="Gift of £20")]
        return [r for r in rows if contact_id == cid and (before is None or r.at < before)][:limit]

    with extra_module(app, gifts):
        html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
        notes_only = admin_client.get(f"/contacts/{cid}/timeline?kind=notes").get_data(as_text=True)
    assert entries_of(html) == [("Change", "Created person"), ("Gift", ""), ("Call", "Follow-up call"),
                                ("Gift", "Gift of £20"), ("Note", "Thank-you note")]
    assert '<a class="tl-title" href="/gifts/2">Gift of £50</a>' in html and "Bo Treasurer" in html
    assert entries_of(notes_only) == [("Note", "Thank-you note")]


def test_paging_across_modules_keeps_ties_exact(app, ctx):
    """Entries of two providers at the same instant split over pages: none lost or repeated."""
    instant = datetime(2024, 1, 1, tzinfo=UTC)

    def provider_a(contact_id, before, limit):
        rows = [TimelineEntry(at=instant, kind="a", title=f"a{i}") for i in range(7)]
        return [r for r in rows if before is None or r.at < before][:limit]

    def provider_b(contact_id, before, limit):
        rows = [TimelineEntry(at=instant + timedelta(seconds=1), kind="b", title="b-late")] + [
            TimelineEntry(at=instant, kind="b", title=f"b{i}") for i in range(5)]
        return [r for r in rows if before is None or r.at < before][:limit]

    import modules.contacts.activity.timeline as tl

    original = tl.timeline_providers
    tl.timeline_providers = lambda: [provider_a, provider_b]
    try:
        titles, cursor = [], None
        for _ in range(10):
            entries, cursor = timeline.page(1, cursor, 4)
            titles += [e.title for e in entries]
            if cursor is None:
                break
            cursor = timeline.Cursor.parse(str(cursor))
    finally:
        tl.timeline_providers = original
    assert titles == ["b-late"] + [f"a{i}" for i in range(7)] + [f"b{i}" for i in range(5)]


def test_filters_show_one_kind(app, admin_client):
    cid = make_contact(app)
    for kind in ("note", "call", "meeting", "email"):
        log(admin_client, cid, kind, f"A {kind}")
    for key, expected in (("notes", "A note"), ("calls", "A call"), ("meetings", "A meeting"),
                          ("emails", "A email")):
        html = admin_client.get(f"/contacts/{cid}/timeline?kind={key}").get_data(as_text=True)
        assert [t for _, t in entries_of(html)] == [expected], key
    html = admin_client.get(f"/contacts/{cid}/timeline?kind=changes").get_data(as_text=True)
    assert entries_of(html) == [("Change", "Created person")]
    html = admin_client.get(f"/contacts/{cid}/timeline?kind=tasks").get_data(as_text=True)
    assert entries_of(html) == [] and "Nothing on the timeline of this kind yet." in html
    assert 'aria-current="true">Tasks</a>' in html


def test_authors_edit_their_own_entries_managers_any_and_changes_none(app, client):
    cid = make_contact(app)
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    make_user(app, "tia@example.org", "staff", "Tia Staff")
    make_user(app, "meg@example.org", "manager", "Meg Manager")
    login(client, "sam@example.org")
    log(client, cid, "note", "Sam's note", "Original")
    with app.app_context():
        note = db.session.scalar(db.select(Activity).where(Activity.kind == "note"))
        change = db.session.scalar(db.select(Activity).where(Activity.kind == "change"))
    timeline_html = client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert f"/contacts/entries/{note.id}/edit" in timeline_html
    assert f"/contacts/entries/{change.id}/edit" not in timeline_html

    edit_url = f"/contacts/entries/{note.id}/edit"
    fields = {f"entry{note.id}-kind": "call", f"entry{note.id}-subject": "Sam's call",
              f"entry{note.id}-body": "Edited", f"entry{note.id}-occurred_at": "2024-03-05T09:00"}
    response = post_form(client, edit_url, fields)
    assert response.status_code == 303
    with app.app_context():
        edited = db.session.get(Activity, note.id)
        assert (edited.kind, edited.subject, edited.body) == ("call", "Sam's call", "Edited")
        audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update",
                                                              AuditEntry.object_type == "contacts_activity"))
        assert audit.changes["body"] == ["Original", "Edited"] and audit.changes["kind"] == ["note", "call"]
    logout(client)

    login(client, "tia@example.org")
    assert client.get(edit_url).status_code == 403
    token = csrf_from(client, f"/contacts/{cid}/timeline")
    assert client.post(edit_url, data={**fields, "csrf_token": token}).status_code == 403
    assert client.post(f"/contacts/entries/{note.id}/delete", data={"csrf_token": token}).status_code == 403
    assert f"/contacts/entries/{note.id}/edit" not in client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    logout(client)

    login(client, "meg@example.org")
    token = csrf_from(client, f"/contacts/{cid}/timeline")
    assert client.get(f"/contacts/entries/{change.id}/edit").status_code == 403  # system-written
    confirm = client.get(f"/contacts/entries/{note.id}/delete").get_data(as_text=True)
    assert "Delete this entry?" in confirm and "Delete entry</button>" in confirm
    response = client.post(f"/contacts/entries/{note.id}/delete", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Trigger"] == "timeline-changed"
    with app.app_context():
        assert db.session.get(Activity, note.id) is None
        audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delete",
                                                              AuditEntry.object_type == "contacts_activity"))
        assert audit.object_id == str(note.id) and audit.actor == "meg@example.org"


def test_inline_edit_form_is_a_fragment_with_htmx(app, admin_client):
    cid = make_contact(app)
    log(admin_client, cid, "note", "Editable")
    with app.app_context():
        note_id = db.session.scalar(db.select(Activity.id).where(Activity.kind == "note"))
    fragment = admin_client.get(f"/contacts/entries/{note_id}/edit", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith("<li")
    assert "<legend>Edit this note</legend>" in html and 'value="Editable"' in html
    page = admin_client.get(f"/contacts/entries/{note_id}/edit").get_data(as_text=True)
    assert "<html" in page and "Save changes" in page


def test_volunteers_read_the_timeline_but_cannot_write(app, client, admin):
    cid = make_contact(app)
    make_user(app, "val@example.org", "volunteer", "Val Volunteer")
    with app.app_context():
        db.session.add(Activity(contact_id=cid, kind="note", subject="Admin's note", user_id=admin.id))
        db.session.commit()
        note_id = db.session.scalar(db.select(Activity.id).where(Activity.kind == "note"))
    login(client, "val@example.org")
    page = client.get(f"/contacts/{cid}/timeline")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Admin&#39;s note" in html
    assert "Log a note" not in html and "Add a task" not in html and "/edit" not in html
    token = csrf_from(client, f"/contacts/{cid}/timeline")
    assert client.post(f"/contacts/{cid}/timeline", data={"csrf_token": token, "entry-kind": "note",
                                                          "entry-subject": "x"}).status_code == 403
    assert client.post(f"/contacts/entries/{note_id}/delete", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/contacts/entries/{note_id}/edit").status_code == 403


def test_missing_or_trashed_contacts_answer_404(app, admin_client):
    assert admin_client.get("/contacts/999999/timeline").status_code == 404
    cid = make_contact(app)
    with app.app_context():
        from modules.contacts.models import Contact

        records.trash([db.session.get(Contact, cid)])
        db.session.commit()
    assert admin_client.get(f"/contacts/{cid}/timeline").status_code == 404


def _fill(app, cid, n, users):
    add_activities(app, cid, n, start=datetime(2023, 1, 1, tzinfo=UTC), user_ids=users)
    with app.app_context():
        for i in range(n):
            db.session.add(Task(contact_id=cid, title=f"Done {i}", assignee_id=users[i % len(users)],
                                done_at=datetime(2023, 2, 1, tzinfo=UTC) + timedelta(hours=i)))
            db.session.add(Task(contact_id=cid, title=f"Open {i}", assignee_id=users[i % len(users)]))
        db.session.commit()


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_timeline_uses_as_many_queries_for_50_entries_as_for_5(app, admin_client, headers):
    users = [make_user(app, f"u{i}@example.org", "staff", f"User {i}").id for i in range(12)]
    few, many = make_contact(app), make_contact(app, first_name="Bo")
    _fill(app, few, 5, users[:2])
    _fill(app, many, 50, users)
    admin_client.get(f"/contacts/{few}/timeline", headers=headers)  # warm up
    with counted_queries(app) as small:
        assert admin_client.get(f"/contacts/{few}/timeline", headers=headers).status_code == 200
    with counted_queries(app) as large:
        html = admin_client.get(f"/contacts/{many}/timeline", headers=headers).get_data(as_text=True)
    assert html.count('<li class="tl-entry') == timeline.PER_PAGE and "Task done: Done 49" in html
    assert "Open 0" in html  # the Tasks box
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= 15, "\n".join(q[:160] for q in large)
