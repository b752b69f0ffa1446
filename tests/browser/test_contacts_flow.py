"""A new administrator's first hour with contacts, in a real browser, with
JavaScript on (HTMX: inline editors, search as you type, a self-updating
import) and off (plain forms and pages): create a person (after one bad
email), put them in a new household, tag them, log notes, add a task due
today (their Tasks box, My tasks, the dashboard), find them from the list and
from the global search, then import a small messy CSV through every step and
undo it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_jobs, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

FILES = Path(__file__).resolve().parent / "files"
# UTF-8 with a BOM and CRLF line ends; "Surname" and "E-mail" headers; a blank
# row (line 5); row 3 has a bad email, an unreadable phone and a formula-looking
# cell; row 6 repeats row 2's email in other case; row 7 is the person created
# by hand (matched by email, so it updates her).
MESSY_CSV = FILES / "messy-contacts.csv"

FIRST, LAST = "Imogen", "Thistlewood"
PERSON = f"{FIRST} {LAST}"
EMAIL = "imogen.thistlewood@example.org"
HOUSEHOLD = f"The {LAST} Family"
TAG = "Spring fair"
TASK = "Call Imogen about the volunteer rota"
IMPORTED = ("Ava Lindqvist", "Chloé Durand")


def contact_count(app) -> int:
    from app.extensions import db
    from modules.contacts.models import Contact

    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Contact))
        db.session.remove()
        return count


def org_today(app):
    from modules.contacts.activity.timeline import local_today

    with app.app_context():
        return local_today()


def summary_value(page, term: str):
    """The <dd> after `term` in the import summary."""
    return page.get_by_role("term").filter(has_text=re.compile(f"^{term}$")).locator("xpath=following-sibling::dd[1]")


def expect_count(results, text: str, js: bool) -> None:
    """The list's count: fetched after the rows with JavaScript, a link that
    reloads the page with it without."""
    if not js:
        results.get_by_role("link", name="Count the contacts").click()
    expect(results).to_contain_text(text)


def test_new_user_contacts_flow(app, any_page, live_url, shot):
    page = any_page
    js = page.steward_js
    mode = "js" if js else "nojs"
    make_user(app)
    sign_in(page)
    expect(page).to_have_url(f"{live_url}/")

    # --- A person: one bad email first, then saved ------------------------------------
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page).to_have_url(f"{live_url}/contacts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.locator("#contact-results")).to_contain_text("No contacts yet.")
    page.get_by_role("link", name="New contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New person")
    page.get_by_label("First name").fill(FIRST)
    page.get_by_label("Last name").fill(LAST)
    page.get_by_label("Email 1", exact=True).fill("imogen.thistlewood.example.org")
    page.get_by_label("Phone 1", exact=True).fill("(415) 555-0132")
    page.get_by_role("button", name="Create the person").click()
    email = page.get_by_label("Email 1", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=email).locator(".error")).to_have_text(
        "Enter a valid email address, like name@example.org.")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    expect(page.get_by_label("Phone 1", exact=True)).to_have_value("(415) 555-0132")
    expect(page.get_by_label("Last name")).to_have_value(LAST)
    assert contact_count(app) == 0, "a form with a bad email saved a contact"
    shot(page, f"contacts-flow-1-bad-email-{mode}")

    email.fill(EMAIL)
    page.get_by_role("button", name="Create the person").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_url)}/contacts/\d+$"))
    person_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(PERSON)
    expect(page.locator(".flash")).to_have_text(f"{PERSON} is saved.")
    details = page.get_by_role("region", name="Contact details")
    expect(details).to_contain_text(EMAIL)
    expect(details).to_contain_text("(415) 555-0132")

    # --- A new household ------------------------------------------------------------
    relations = page.get_by_role("region", name="Household and relationships")
    expect(relations).to_contain_text("Not in a household.")
    relations.get_by_text("Add to a household").click()
    new_name = relations.get_by_label("Name of the new household")
    expect(new_name).to_have_value(HOUSEHOLD)
    relations.get_by_role("button", name="Create the household and join it").click()
    expect(page.locator(".flash")).to_have_text(f"Created {HOUSEHOLD} with {PERSON} in it.")
    expect(relations.get_by_role("link", name=HOUSEHOLD)).to_be_visible()
    expect(page.get_by_role("region", name="Identity")).to_contain_text(HOUSEHOLD)

    # --- A tag (inline editor with JS, its own page without) ---------------------------
    tags = page.get_by_role("region", name="Tags")
    tags.get_by_role("link", name="Edit tags").click()
    if not js:
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Tags of {PERSON}")
    page.get_by_label("Or a new tag").fill(TAG)
    page.get_by_role("button", name="Add the tag").click()
    if js:
        expect(tags.locator(".tag-chip")).to_have_text(TAG)
        tags.get_by_role("link", name="Done editing tags").click()
        expect(tags.get_by_role("link", name="Edit tags")).to_be_visible()
    else:
        expect(page.locator(".flash")).to_have_text(f"Tagged {TAG}.")
        expect(page).to_have_url(re.compile(re.escape(person_url)))
    expect(tags).to_contain_text(TAG)
    shot(page, f"contacts-flow-2-person-{mode}")

    # --- Notes on the timeline (on the page with JS, its own page without) -------------
    if not js:
        page.get_by_role("link", name="Open the timeline").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{PERSON}: timeline")
    timeline = page.get_by_role("region", name=f"Timeline of {PERSON}", exact=True)
    log = timeline.get_by_role("group", name="Log a note, call, meeting or email")
    earlier = (org_today(app) - timedelta(days=2)).isoformat()
    log.get_by_label("When").fill(f"{earlier}T09:30")
    log.get_by_label("Subject").fill("Met at the spring fair")
    log.get_by_label("Details").fill("Keen to help with the food drive.")
    log.get_by_role("button", name="Add to the timeline").click()
    entries = timeline.locator("li.tl-entry")
    expect(entries.filter(has_text="Met at the spring fair")).to_contain_text("Keen to help with the food drive.")
    log.get_by_label("Subject").fill("Phoned back")
    log.get_by_label("Details").fill("Can do Saturday mornings.")
    log.get_by_role("button", name="Add to the timeline").click()
    # Newest first: today's call back above the note from two days ago.
    expect(entries.first).to_contain_text("Phoned back")
    expect(entries.filter(has_text="Met at the spring fair")).to_have_count(1)
    titles = [t.strip() for t in timeline.locator(".tl-title").all_inner_texts()]
    assert titles.index("Phoned back") < titles.index("Met at the spring fair"), titles

    # --- A task due today ----------------------------------------------------------------
    today = org_today(app)
    task_box = timeline.get_by_role("region", name="Tasks", exact=True)
    expect(task_box).to_contain_text("No open tasks.")
    task_box.get_by_text("Add a task").click()
    new_task = task_box.get_by_role("group", name=f"New task for {PERSON}")
    new_task.get_by_label("Task", exact=True).fill(TASK)
    new_task.get_by_label("Due").fill(today.isoformat())
    expect(new_task.get_by_label("Assigned to")).to_have_value(re.compile(r"^\d+$"))
    task_box.get_by_role("button", name="Add the task").click()
    if not js:
        expect(page.locator(".flash")).to_have_text("Task added.")
    task_row = task_box.get_by_role("listitem").filter(has_text=TASK)
    expect(task_row).to_contain_text("Due today")
    expect(task_row).to_contain_text("Ada Admin")
    shot(page, f"contacts-flow-3-timeline-{mode}")

    page.get_by_role("link", name="My tasks", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    due_today = page.get_by_role("region", name=re.compile(r"^Today"))
    expect(due_today.get_by_role("listitem").filter(has_text=TASK)).to_contain_text(PERSON)
    expect(page.get_by_role("region", name=re.compile(r"^Overdue"))).to_contain_text("Nothing overdue.")

    page.get_by_role("link", name="Steward", exact=True).click()
    expect(page).to_have_url(f"{live_url}/")
    widget = page.get_by_role("region", name="Tasks due")
    expect(widget).to_contain_text("1 due today or overdue")
    expect(widget.get_by_role("listitem").filter(has_text=TASK)).to_contain_text("Due today")
    expect(widget.get_by_role("link", name=PERSON)).to_be_visible()
    shot(page, f"contacts-flow-4-dashboard-{mode}")

    # --- Finding them: the list's search (as you type with JS), then the global box ----
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page).to_have_url(f"{live_url}/contacts/")
    results = page.locator("#contact-results")
    expect_count(results, "2 contacts", js)
    search = page.get_by_label("Search contacts")
    if js:
        page.evaluate("() => { window.stewardMarker = 'still here'; }")
        search.press_sequentially("imo")
    else:
        search.fill("imo")
        search.press("Enter")
    expect(page).to_have_url(f"{live_url}/contacts/?q=imo")
    expect_count(results, "1 contact matching “imo”", js)
    expect(results.get_by_role("link", name=PERSON)).to_be_visible()
    expect(results.get_by_role("link", name=HOUSEHOLD)).to_have_count(0)
    expect(results.get_by_role("row").filter(has_text=PERSON)).to_contain_text(TAG)
    if js:
        assert page.evaluate("() => window.stewardMarker") == "still here", "the search reloaded the page"
    shot(page, f"contacts-flow-5-list-search-{mode}")

    everything = page.get_by_label("Search everything")
    everything.fill("thistle")
    if js:
        dropdown = page.locator("#search-results")
        expect(dropdown).to_contain_text("Contacts")
        expect(dropdown.get_by_role("link", name=HOUSEHOLD)).to_be_visible()
        dropdown.get_by_role("link", name=PERSON).click()
    else:
        everything.press("Enter")
        expect(page).to_have_url(f"{live_url}/search?q=thistle")
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")
        expect(page.get_by_role("main").get_by_role("link", name=HOUSEHOLD)).to_be_visible()
        page.get_by_role("main").get_by_role("link", name=PERSON).click()
    expect(page).to_have_url(person_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(PERSON)

    # --- Import a messy CSV: upload ------------------------------------------------------
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page).to_have_url(f"{live_url}/contacts/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import contacts")
    expect(page.get_by_role("navigation", name="Import steps")).to_contain_text("Upload")
    page.get_by_label("File", exact=True).set_input_files(MESSY_CSV)
    page.get_by_role("button", name="Upload and map columns").click()

    # Map: the guess from the headers, synonyms included.
    expect(page.get_by_role("heading", level=1)).to_have_text("Map columns")
    expect(page).to_have_url(re.compile(r"/contacts/import/\d+/map$"))
    expect(page.get_by_role("main")).to_contain_text("5 rows · UTF-8 (with BOM) · comma-separated")
    guesses = {"First name": "first_name", "Surname": "last_name", "E-mail": "email", "Phone": "phone",
               "Town": "city", "Notes": "notes"}
    for header, key in guesses.items():
        expect(page.get_by_label(header, exact=True)).to_have_value(key)
        expect(page.get_by_role("row").filter(has=page.get_by_label(header, exact=True))).to_contain_text("guessed")
    # A sample of each column, from the first row that has one.
    expect(page.get_by_role("row").filter(has=page.get_by_label("E-mail", exact=True))).to_contain_text(
        "ava.lindqvist@example.org")
    shot(page, f"contacts-flow-6-import-map-{mode}")
    page.get_by_role("button", name="Continue to the preview").click()

    # Preview: every row checked, the problems next to their rows.
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview")
    expect(page.get_by_role("heading", name="Checked 5 rows")).to_be_visible()
    expect(page.get_by_text("3 valid")).to_be_visible()
    expect(page.get_by_text("2 with problems")).to_be_visible()
    counts = page.locator("#imp-counts")
    expect(counts).to_contain_text("2 new")
    expect(counts).to_contain_text("1 match existing contacts (updated)")
    expect(counts).to_contain_text("2 have problems")
    problems = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Problem"))
    bad_email = problems.get_by_role("row").filter(has_text="is not a valid email address")
    expect(bad_email).to_have_text(re.compile(r"^\s*3\s*E-mail\s*“bruno at example dot org” is not a valid"))
    expect(problems.get_by_role("row").filter(has_text="does not look like a phone number")).to_contain_text(
        "3Phone“n/a”")
    expect(problems.get_by_role("row").filter(has_text="Same email as row 2")).to_have_text(
        re.compile(r"^\s*6\s*E-mail\s*Same email as row 2 of this file; only the first is imported\."))
    rows = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Will"))

    def row_of(first_name: str):
        return rows.get_by_role("row").filter(has=page.get_by_role("cell", name=first_name, exact=True))

    for name, action in (("Ava", "New contact"), ("Chloé", "New contact"), ("Imogen", "Update match"),
                         ("Bruno", "Problem: not imported"), ("Dmitri", "Problem: not imported")):
        expect(row_of(name)).to_contain_text(action)
    expect(row_of("Bruno")).to_contain_text('=HYPERLINK("x")')  # shown as the text it is
    # The reasons sit in the row right under the row they are about.
    why = row_of("Bruno").locator("xpath=following-sibling::tr[1]")
    expect(why).to_contain_text("E-mail: “bruno at example dot org” is not a valid email address.")
    expect(why).to_contain_text("Phone: “n/a” does not look like a phone number.")
    expect(row_of("Dmitri").locator("xpath=following-sibling::tr[1]")).to_contain_text(
        "E-mail: Same email as row 2 of this file")
    expect(row_of("Chloé").locator("xpath=following-sibling::tr[1]")).to_contain_text("Dmitri")  # no reasons
    shot(page, f"contacts-flow-7-import-preview-{mode}")
    page.get_by_role("link", name="Continue to match rules").click()

    # Match rules: the counts follow the choices.
    expect(page.get_by_role("heading", level=1)).to_have_text("Match rules")
    expect(page.get_by_role("radio", name="By email")).to_be_checked()
    counts = page.locator("#imp-counts")
    expect(counts).to_contain_text("2 new")
    expect(counts).to_contain_text("1 match existing contacts (updated)")
    on_match = page.get_by_role("group", name="When a row matches an existing contact")
    on_match.get_by_role("radio", name="Skip the row").check()
    page.get_by_role("button", name="Update the counts").click()
    expect(counts).to_contain_text("1 match existing contacts (skipped)")
    expect(on_match.get_by_role("radio", name="Skip the row")).to_be_checked()
    on_match.get_by_role("radio", name=re.compile("^Update the contact")).check()
    page.get_by_role("button", name="Update the counts").click()
    expect(counts).to_contain_text("1 match existing contacts (updated)")
    expect(counts).to_contain_text("2 have problems")
    shot(page, f"contacts-flow-8-import-match-{mode}")
    page.get_by_role("button", name="Start the import").click()

    # Run: queued until a worker takes it; the page then shows the summary.
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of messy-contacts.csv")
    expect(page).to_have_url(re.compile(r"/contacts/import/\d+$"))
    status_url = page.url
    expect(page.get_by_role("heading", name="Waiting to run")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("This page updates itself")
    run_jobs(app)
    # No reload by hand: the page keeps its word. With JavaScript the progress
    # section polls every second; without, a <noscript> refresh reloads it every 3 s.
    expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=10_000)
    expect(summary_value(page, "Created")).to_have_text("2")
    expect(summary_value(page, "Updated")).to_have_text("1")
    expect(summary_value(page, "Skipped")).to_have_text("0")
    expect(summary_value(page, "Failed")).to_have_text("2")
    shot(page, f"contacts-flow-9-import-summary-{mode}")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the 2 failed rows (CSV)").click()
    failed = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "bruno at example dot org" in failed and "Dmitri" in failed, failed
    assert "'=HYPERLINK" in failed, "the formula in the failed-rows file is not neutralised:\n" + failed
    assert "Ava,Lindqvist" not in failed

    page.get_by_role("link", name="See the contacts").click()
    expect(page).to_have_url(f"{live_url}/contacts/?sort=-created")
    results = page.locator("#contact-results")
    expect_count(results, "4 contacts", js)
    for name in IMPORTED:
        expect(results.get_by_role("link", name=name)).to_be_visible()
    expect(results.get_by_role("row").filter(has_text=PERSON)).to_contain_text("North Haverbrook")
    expect(results.get_by_role("link", name=re.compile("Bruno|Dmitri"))).to_have_count(0)

    # Undo, from the summary, after a confirmation.
    page.get_by_role("link", name="Import", exact=True).click()
    history = page.get_by_role("region", name="Earlier imports")
    expect(history.get_by_role("row").filter(has_text="messy-contacts.csv")).to_contain_text("Finished")
    history.get_by_role("link", name="messy-contacts.csv").click()
    expect(page).to_have_url(status_url)
    page.get_by_role("link", name="Undo this import…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Undo the import of messy-contacts.csv?")
    expect(page.get_by_role("main")).to_contain_text("The 2 contacts it created will be removed.")
    expect(page.get_by_role("main")).to_contain_text("The 1 contact it updated get back what the import changed.")
    shot(page, f"contacts-flow-10-import-undo-confirm-{mode}")
    page.get_by_role("button", name="Undo the import").click()
    expect(page).to_have_url(status_url)
    expect(page.locator(".flash")).to_have_text(
        "Import undone: 2 contacts removed, 0 moved to the trash (changed since the import), 1 restored.")
    expect(page.get_by_role("heading", name="Undone")).to_be_visible()
    expect(page.get_by_role("link", name="Undo this import…")).to_have_count(0)

    page.get_by_role("link", name="Contacts", exact=True).click()
    results = page.locator("#contact-results")
    expect_count(results, "2 contacts", js)
    for name in IMPORTED:
        expect(results.get_by_role("link", name=name)).to_have_count(0)
    person_row = results.get_by_role("row").filter(has_text=PERSON)
    expect(person_row).to_contain_text(EMAIL)
    expect(person_row).not_to_contain_text("North Haverbrook")  # the update was rolled back
    expect(results.get_by_role("link", name=HOUSEHOLD)).to_be_visible()
    shot(page, f"contacts-flow-11-after-undo-{mode}")

    # Everything done by hand survived the undo.
    results.get_by_role("link", name=PERSON).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PERSON)
    expect(page.get_by_role("region", name="Tags")).to_contain_text(TAG)
    expect(page.get_by_role("region", name="Identity")).to_contain_text(HOUSEHOLD)
