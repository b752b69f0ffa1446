"""Every page fits the window at 1280 px and at 390 px: the walk of
test_every_page_axe (every GET rule with a real record in each path
variable, signed in as an Administrator over a seeded organisation), plus a
contact whose name and email are 80 characters without a space, with an
opportunity and a gift, and an organisation whose name is long. A page fails
when its document scrolls sideways; the only sideways scrolling allowed is
inside an element that is its own scroll area (a table's or the board's).
A screenshot of each page at each width goes to
test-artifacts/screenshots/pages/<width>/<name>.png: look at them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, seed, sign_in
from tests.browser.every_page import every_page
from tests.security import walk

pytestmark = pytest.mark.browser

LONG_NAME = "Maximiliana" + "x" * 69  # 80 characters, no space
LONG_EMAIL = "a" * 68 + "@example.org"  # 80 characters
LONG_ORG = "Riverside Community Food Bank and Emergency Relief Association of the Greater Valley"

# What sticks out past the window, when the document is wider than it: the
# outermost elements whose right edge passes the viewport and that are not
# inside an element scrolling on its own.
OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width) return null;
  const scrollsItself = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) return true;
    }
    return false;
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0 || scrollsItself(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1
        && !scrollsItself(parent)) continue;  // its parent already sticks out: name the outermost
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    culprits.push(`${name} (right edge ${Math.round(box.right)} px)`);
    if (culprits.length >= 4) break;
  }
  return {scrollWidth: root.scrollWidth, width, culprits};
}"""


def _seed_long_values(app) -> int:
    """The contact with the 80-character name and email, before the demo
    data so that it is the first contact the walk opens, with an opportunity
    on the board and a gift in the lists."""
    from app import settings
    from app.extensions import db
    from app.models import User
    from modules.contacts.people import records
    from modules.pipeline import gifts
    from modules.pipeline import opportunities as service
    from modules.pipeline.models import Pipeline

    with app.test_request_context():
        settings.put("core", {"org_name": LONG_ORG})
        admin = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
        contact = records.create("person", {"first_name": LONG_NAME},
                                 records.Details(emails=[{"email": LONG_EMAIL, "label": "work", "is_primary": True}]),
                                 user=admin)
        db.session.flush()
        pipeline = db.session.scalar(db.select(Pipeline).order_by(Pipeline.id))
        service.create(stage=pipeline.stages[0], contact_id=contact.id, name=LONG_NAME, amount=Decimal("250000"),
                       owner_id=admin.id, user=admin)
        gifts.record_gift(contact_id=contact.id, amount=Decimal("1234567.89"), received_on=date.today(), user=admin)
        db.session.commit()
        return contact.id


def _shot_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"


def _check(page, path: str, width: int, overflowing: dict) -> None:
    found = page.evaluate(OVERFLOW_JS)
    if found:
        overflowing[f"{path} at {width} px"] = found
    folder = SCREENSHOTS / "pages" / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{_shot_name(path)}.png"), full_page=True, caret="initial")


def test_every_page_fits_at_1280_and_390_px(app, page, live_url):
    from app import seed as demo
    from app.extensions import db

    seed(app, live_url)
    long_contact = _seed_long_values(app)
    with app.app_context():
        demo.run(6, echo=lambda *a: None)
        db.session.commit()
        records = walk._records()
    assert records["contact_id"] == long_contact
    sign_in(page)
    overflowing: dict[str, dict] = {}
    checked = 0
    for path in every_page(app, page, records):
        checked += 1
        _check(page, path, DESKTOP["width"], overflowing)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)  # the resize listeners (tables that scroll) run
        _check(page, path, PHONE["width"], overflowing)
        page.set_viewport_size(DESKTOP)
    assert checked >= 90, f"only {checked} pages were checked"

    # The long values are on the pages that show them, so the walk tried them.
    page.goto(f"/contacts/{long_contact}")
    assert LONG_NAME in page.locator("h1").inner_text()
    page.goto("/pipeline/")
    assert page.locator(".board-card-name", has_text=LONG_NAME).count() == 1

    report = "\n".join(f"{where}: the page is {found['scrollWidth']} px wide in a {found['width']} px window;"
                       f" sticking out: {', '.join(found['culprits']) or '?'}"
                       for where, found in overflowing.items())
    assert not overflowing, f"\n{checked} pages checked, {len(overflowing)} scroll sideways:\n{report}"
