"""Tasks: adding (from My tasks and from a contact's timeline), completing,
reopening, editing, deleting, grouping by due date, the assignee filter, the
dashboard widget, permissions and bounded queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.activity import tasks_service, timeline
from modules.contacts.models import Activity, Task
from modules.contacts.people import records
from tests.conftest import counted_queries, csrf_from, login, logout, make_user, post_form
from tests.modules.contacts.test_timeline import make_contact

ROW_RE = re.compile(r'<li class="task-row[^"]*" id="task-(\d+)"')


def local_today(app) -> date:
    with app.app_context():
        return timeline.local_today()


def add_task(app, title, *, due=None, assignee=None, contact=None, done_at=None, creator=None) -> int:
    with app.app_context():
        task = Task(title=title, due_date=due, assignee_id=assignee, contact_id=contact, done_at=done_at,
                    created_by_id=creator)
        db.session.add(task)
        db.session.commit()
        return task.id


def group_of(html: str) -> dict[str, list[int]]:
    """Task ids shown in each group of the My tasks page."""
    groups = {}
    for part in re.split(r'(?=<section class="card task-group|<details class="card task-group)', html)[1:]:
        key = re.search(r"task-group-(\w+)", part).group(1)
        groups[key] = [int(i) for i in ROW_RE.findall(part)]
    return groups


def task_fields(**values) -> dict:
    return {f"task-{k}": v for k, v in values.items()}


def test_a_task_added_on_my_tasks_links_the_contact_typed(app, admin_client, admin):
    cid = make_contact(app)
    make_contact(app, first_name="Bob", last_name="Jones")
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(
        title="Send thank-you letter", due_date="2030-01-15", assignee_id=str(admin.id),
        contact_query="ann smi", notes="Mention the gala"), page="/contacts/tasks")
    assert response.status_code == 303
    with app.app_context():
        task = db.session.scalar(db.select(Task))
        assert (task.title, task.contact_id, task.assignee_id, task.due_date, task.notes, task.created_by_id) == (
            "Send thank-you letter", cid, admin.id, date(2030, 1, 15), "Mention the gala", admin.id)
        audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "contacts_task"))
        assert audit.action == "create" and "Send thank-you letter" in audit.summary
    html = admin_client.get("/contacts/tasks").get_data(as_text=True)
    assert group_of(html)["upcoming"] == [task.id]
    assert "Ann Smith" in html and "Mention the gala" in html


def test_an_ambiguous_contact_asks_which_one(app, admin_client, admin):
    first = make_contact(app)
    make_contact(app, first_name="Anna")
    page = "/contacts/tasks"
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(
        title="Call", assignee_id=str(admin.id), contact_query="smith"), page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Several contacts match" in html and "Which contact?" in html
    assert html.count('type="radio" name="task-contact_id"') == 2
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(
        title="Call", assignee_id=str(admin.id), contact_query="smith", contact_id=str(first)), page=page)
    assert response.status_code == 303
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(
        title="Call", assignee_id=str(admin.id), contact_query="nobody at all"), page=page)
    assert response.status_code == 422 and "No contact matches" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Task.contact_id)).all() == [first]


def test_a_task_added_on_the_timeline_shows_in_its_tasks_box(app, admin_client, admin):
    cid = make_contact(app)
    region = admin_client.get(f"/contacts/{cid}/timeline", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "New task for Ann Smith" in region and 'name="task-contact_query"' not in region
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(
        title="Book a visit", due_date="2030-02-01", assignee_id=str(admin.id), contact_id=str(cid)),
        page=f"/contacts/{cid}/timeline", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Trigger"] == "tasks-changed, timeline-changed"
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    box = html.split('class="card tl-tasks"')[1].split("</section>")[0]
    assert "Book a visit" in box and "Due 1 Feb 2030" in box
    # Errors come back in the form, with HTMX as a fragment.
    response = post_form(admin_client, "/contacts/tasks/new", task_fields(title="", contact_id=str(cid),
                                                                          assignee_id=str(admin.id)),
                         page=f"/contacts/{cid}/timeline", headers={"HX-Request": "true"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith("<form") and "Say what needs doing." in text
    assert "New task for Ann Smith" in text


def test_completing_and_reopening_swap_the_row_and_show_on_the_timeline(app, admin_client, admin):
    cid = make_contact(app)
    tid = add_task(app, "Post the receipt", due=local_today(app), assignee=admin.id, contact=cid)
    token = csrf_from(admin_client, "/contacts/tasks")
    with app.app_context():
        activities = db.session.scalar(db.select(db.func.count(Activity.id)))
    response = admin_client.post(f"/contacts/tasks/{tid}/complete", data={"csrf_token": token},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "timeline-changed"
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith(f'<li class="task-row is-done" id="task-{tid}"') and "Reopen" in row
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert "Task done: Post the receipt" in html and "No open tasks." in html
    done = admin_client.get(f"/contacts/{cid}/timeline?kind=tasks").get_data(as_text=True)
    assert "Task done: Post the receipt" in done
    with app.app_context():
        assert db.session.get(Task, tid).done_at is not None
        assert db.session.scalar(db.select(db.func.count(Activity.id))) == activities  # no duplicate row
    # Without JavaScript: a 303 back.
    response = admin_client.post(f"/contacts/tasks/{tid}/reopen",
                                 data={"csrf_token": token, "next": f"/contacts/{cid}/timeline"})
    assert response.status_code == 303 and response.headers["Location"] == f"/contacts/{cid}/timeline"
    html = admin_client.get(f"/contacts/{cid}/timeline").get_data(as_text=True)
    assert "Task done:" not in html and "Post the receipt" in html
    with app.app_context():
        assert db.session.get(Task, tid).done_at is None
        summaries = db.session.scalars(db.select(AuditEntry.summary).where(
            AuditEntry.object_type == "contacts_task").order_by(AuditEntry.id)).all()
        assert summaries == ["Completed the task “Post the receipt”", "Reopened the task “Post the receipt”"]


def test_groups_by_due_date_with_fixed_dates(app, ctx, admin):
    today = date(2025, 3, 10)
    ids = {
        "old": add_task(app, "Old", due=date(2025, 2, 1), assignee=admin.id),
        "yesterday": add_task(app, "Yesterday", due=date(2025, 3, 9), assignee=admin.id),
        "today": add_task(app, "Today", due=today, assignee=admin.id),
        "tomorrow": add_task(app, "Tomorrow", due=date(2025, 3, 11), assignee=admin.id),
        "later": add_task(app, "Later", due=date(2025, 6, 1), assignee=admin.id),
        "undated": add_task(app, "Undated", assignee=admin.id),
        "done": add_task(app, "Done", due=date(2025, 3, 1), assignee=admin.id,
                         done_at=datetime(2025, 3, 5, tzinfo=UTC)),
        "someone else": add_task(app, "Theirs", due=today),
    }
    shown = {key: [t.id for t in tasks_service.group_page(group, today, assignee_id=admin.id)[0]]
             for key, group in tasks_service.GROUPS.items()}
    assert shown == {"overdue": [ids["old"], ids["yesterday"]], "today": [ids["today"]],
                     "upcoming": [ids["tomorrow"], ids["later"]], "none": [ids["undated"]],
                     "done": [ids["done"]]}
    everyone = tasks_service.group_page(tasks_service.GROUPS["today"], today)[0]
    assert {t.id for t in everyone} == {ids["today"], ids["someone else"]}
    tasks, count = tasks_service.due_for(admin.id, today)
    assert [t.title for t in tasks] == ["Old", "Yesterday", "Today"] and count == 3


def test_my_tasks_page_groups_and_assignee_filter(app, client):
    staff = make_user(app, "sam@example.org", "staff", "Sam Staff")
    other = make_user(app, "tia@example.org", "staff", "Tia Staff")
    today = local_today(app)
    mine = {
        "overdue": add_task(app, "Mine overdue", due=today - timedelta(days=3), assignee=staff.id),
        "today": add_task(app, "Mine today", due=today, assignee=staff.id),
        "upcoming": add_task(app, "Mine upcoming", due=today + timedelta(days=4), assignee=staff.id),
        "none": add_task(app, "Mine undated", assignee=staff.id),
        "done": add_task(app, "Mine done", assignee=staff.id, done_at=datetime.now(UTC)),
    }
    theirs = add_task(app, "Tia's today", due=today, assignee=other.id)
    login(client, "sam@example.org")
    html = client.get("/contacts/tasks").get_data(as_text=True)
    assert "<h1>My tasks</h1>" in html
    assert group_of(html) == {key: [tid] for key, tid in mine.items()}
    assert "3 days overdue" in html and "Due today" in html
    assert '<details class="card task-group task-group-done">' in html  # done: collapsed
    html = client.get("/contacts/tasks?who=all").get_data(as_text=True)
    assert "Everyone’s tasks" in html and group_of(html)["today"] == [mine["today"], theirs]
    assert "Tia Staff" in html


def test_each_group_is_capped_with_a_link_to_the_rest(app, admin_client, admin):
    today = local_today(app)
    ids = [add_task(app, f"Overdue {i}", due=today - timedelta(days=30 - i), assignee=admin.id) for i in range(27)]
    html = admin_client.get("/contacts/tasks").get_data(as_text=True)
    assert group_of(html)["overdue"] == ids[:20]
    assert "20+</span>" in html
    more = re.search(r'rel="next" href="([^"]+)">Show all overdue', html).group(1).replace("&amp;", "&")
    seen, url = [], more
    while url:
        page = admin_client.get(url).get_data(as_text=True)
        assert list(group_of(page)) == ["overdue"]
        seen += group_of(page)["overdue"]
        link = re.search(r'rel="next" href="([^"]+)">More', page)
        url = link and link.group(1).replace("&amp;", "&")
    assert seen == ids


def test_editing_a_task_is_audited(app, admin_client, admin):
    cid = make_contact(app)
    tid = add_task(app, "Draft", assignee=admin.id, contact=cid)
    page = admin_client.get(f"/contacts/tasks/{tid}/edit").get_data(as_text=True)
    assert 'value="Ann Smith"' in page and 'value="Draft"' in page
    response = post_form(admin_client, f"/contacts/tasks/{tid}/edit", task_fields(
        title="Final", due_date="2030-05-05", assignee_id="0", contact_query="Ann Smith", contact_id=str(cid),
        notes=""))
    assert response.status_code == 303
    with app.app_context():
        task = db.session.get(Task, tid)
        assert (task.title, task.due_date, task.assignee_id, task.contact_id) == (
            "Final", date(2030, 5, 5), None, cid)
        audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update"))
        assert audit.changes["title"] == ["Draft", "Final"] and audit.changes["assignee_id"] == [admin.id, None]
    response = post_form(admin_client, f"/contacts/tasks/{tid}/edit", task_fields(
        title="Final", due_date="", assignee_id="0", contact_query="", notes=""))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Task, tid).contact_id is None


def test_delete_needs_the_creator_the_assignee_or_contacts_delete(app, client):
    sam = make_user(app, "sam@example.org", "staff", "Sam Staff")
    make_user(app, "tia@example.org", "staff", "Tia Staff")
    tid = add_task(app, "Sam's task", assignee=sam.id, creator=sam.id)
    login(client, "tia@example.org")
    token = csrf_from(client, "/contacts/tasks")
    assert client.get(f"/contacts/tasks/{tid}/delete").status_code == 403
    assert client.post(f"/contacts/tasks/{tid}/delete", data={"csrf_token": token}).status_code == 403
    assert "Delete this task" not in client.get(f"/contacts/tasks/{tid}/edit").get_data(as_text=True)
    logout(client)
    login(client, "sam@example.org")
    edit = client.get(f"/contacts/tasks/{tid}/edit").get_data(as_text=True)
    assert "Delete this task…" in edit
    confirm = client.get(f"/contacts/tasks/{tid}/delete").get_data(as_text=True)
    assert "Delete the task “Sam&#39;s task”? This cannot be undone." in confirm
    token = csrf_from(client, "/contacts/tasks")
    response = client.post(f"/contacts/tasks/{tid}/delete", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/contacts/tasks"
    with app.app_context():
        assert db.session.get(Task, tid) is None
        audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delete"))
        assert audit.object_type == "contacts_task" and audit.actor == "sam@example.org"
    manager_task = add_task(app, "Anyone's", creator=sam.id)
    logout(client)
    make_user(app, "meg@example.org", "manager", "Meg Manager")
    login(client, "meg@example.org")
    token = csrf_from(client, "/contacts/tasks")
    assert client.post(f"/contacts/tasks/{manager_task}/delete", data={"csrf_token": token}).status_code == 303


def test_volunteers_see_tasks_but_cannot_change_them(app, client):
    val = make_user(app, "val@example.org", "volunteer", "Val Volunteer")
    tid = add_task(app, "Val's task", due=local_today(app), assignee=val.id)
    login(client, "val@example.org")
    page = client.get("/contacts/tasks")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Val&#39;s task" in html
    assert "Add a task" not in html and "Everyone’s" not in html and "/complete" not in html
    assert "<h1>My tasks</h1>" in client.get("/contacts/tasks?who=all").get_data(as_text=True)
    token = csrf_from(client, "/contacts/tasks")
    for url in (f"/contacts/tasks/{tid}/complete", f"/contacts/tasks/{tid}/reopen", "/contacts/tasks/new",
                f"/contacts/tasks/{tid}/edit", f"/contacts/tasks/{tid}/delete"):
        assert client.post(url, data={"csrf_token": token, "task-title": "x"}).status_code == 403, url
    assert client.get("/contacts/tasks/new").status_code == 403


def test_the_dashboard_widget_lists_todays_and_overdue_tasks(app, admin_client, admin):
    cid = make_contact(app)
    today = local_today(app)
    add_task(app, "Ring the printer", due=today, assignee=admin.id, contact=cid)
    add_task(app, "Late report", due=today - timedelta(days=2), assignee=admin.id)
    add_task(app, "Next week", due=today + timedelta(days=7), assignee=admin.id)
    add_task(app, "Someone else's", due=today)
    html = admin_client.get("/").get_data(as_text=True)
    widget = html.split('id="widget-contacts-tasks-due"')[1].split("</section>")[0]
    assert ">Tasks due</h2>" in widget
    assert widget.index("Late report") < widget.index("Ring the printer")
    assert "Next week" not in widget and "Someone else" not in widget
    assert "2 due today or overdue" in widget and "2 days overdue" in widget
    assert f'href="/contacts/{cid}' in widget and 'href="/contacts/tasks"' in widget
    assert 'href="/contacts/tasks">My tasks</a>' in html  # the nav entry


def test_the_widget_shows_eight_and_caps_the_count(app, admin_client, admin):
    for i in range(25):
        add_task(app, f"Due {i}", due=local_today(app), assignee=admin.id)
    widget = admin_client.get("/").get_data(as_text=True).split('id="widget-contacts-tasks-due"')[1]
    widget = widget.split("</section>")[0]
    assert widget.count("<li") == 8 and "20+ due today or overdue" in widget


def test_tasks_of_trashed_contacts_are_hidden(app, admin_client, admin):
    cid = make_contact(app)
    tid = add_task(app, "About a trashed contact", due=local_today(app), assignee=admin.id, contact=cid)
    with app.app_context():
        from modules.contacts.models import Contact

        records.trash([db.session.get(Contact, cid)])
        db.session.commit()
    assert "About a trashed contact" not in admin_client.get("/contacts/tasks").get_data(as_text=True)
    assert admin_client.get(f"/contacts/tasks/{tid}/edit").status_code == 404


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_my_tasks_uses_as_many_queries_for_50_tasks_as_for_5(app, admin_client, admin, headers):
    users = [make_user(app, f"u{i}@example.org", "staff", f"User {i}").id for i in range(10)]
    contacts = [make_contact(app, first_name=f"P{i}") for i in range(10)]
    today = local_today(app)

    def fill(n, start):
        for i in range(start, start + n):
            add_task(app, f"T{i}", due=today + timedelta(days=i % 7 - 3) if i % 5 else None,
                     assignee=users[i % 10], contact=contacts[i % 10],
                     done_at=datetime.now(UTC) if i % 6 == 0 else None)

    fill(5, 0)
    url = "/contacts/tasks?who=all"
    admin_client.get(url, headers=headers)
    with counted_queries(app) as few:
        assert admin_client.get(url, headers=headers).status_code == 200
    fill(45, 5)
    with counted_queries(app) as many:
        html = admin_client.get(url, headers=headers).get_data(as_text=True)
    assert len(ROW_RE.findall(html)) > 30
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 15
