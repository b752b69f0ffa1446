"""What an accessibility audit found (issue 16, part 7): every Tab stop is
visible with a ring of at least 3:1 against what is behind it, lone links
are targets of at least 24 px, tables that scroll sideways can be scrolled by
keyboard, and Escape closes the account menu."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, seed, settle, sign_in

pytestmark = pytest.mark.browser

# The focused element's size, its outline, and the first opaque background
# behind the ring (the ring sits outside the element, on its parent).
FOCUSED = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  let bg = el.parentElement;
  const clear = (c) => c === "transparent" || c === "rgba(0, 0, 0, 0)";
  while (bg && clear(getComputedStyle(bg).backgroundColor)) bg = bg.parentElement;
  return {name: (el.getAttribute("aria-label") || el.textContent || el.name || el.id || el.tagName).trim().slice(0, 40),
          tag: el.tagName, width: r.width, height: r.height, outline: cs.outlineColor,
          style: cs.outlineStyle, ring: parseFloat(cs.outlineWidth),
          behind: bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)"};
}"""


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(part) for part in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def contrast(a: str, b: str) -> float:
    def luminance(rgb):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b_ = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    high, low = sorted((luminance(_rgb(a)), luminance(_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _tab_stops(page, count: int) -> list[dict]:
    """The first `count` Tab stops, up to the end of the page (focus leaves it for the browser)."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop["tag"] == "BODY":
            break
        stops.append(stop)
    return stops


@pytest.mark.parametrize("path", ["/", "/admin/users", "/contacts/"])
def test_every_tab_stop_is_visible_with_a_ring_of_three_to_one(app, page, live_url, path):
    seed(app, live_url)
    sign_in(page)
    page.goto(path)
    settle(page)
    problems = []
    for stop in _tab_stops(page, 25):
        if stop["width"] < 8 or stop["height"] < 8:
            problems.append(f"{stop['name']!r} ({stop['tag']}) is {stop['width']:.0f}x{stop['height']:.0f} px")
        elif stop["style"] == "none" or stop["ring"] < 2:
            problems.append(f"{stop['name']!r} ({stop['tag']}) has no focus ring")
        elif (ratio := contrast(stop["outline"], stop["behind"])) < 3:
            problems.append(f"{stop['name']!r}: ring {stop['outline']} on {stop['behind']} is {ratio:.2f}:1")
    assert not problems, "\n".join(problems)


def test_lone_links_are_targets_of_24_pixels(app, page, live_url):
    seed(app, live_url)
    page.goto("/login")
    assert page.get_by_role("link", name="Forgot your password?").bounding_box()["height"] >= 24
    page.goto("/password/forgot")
    assert page.get_by_role("link", name="Back to sign in").bounding_box()["height"] >= 24


def test_a_table_that_scrolls_sideways_is_a_named_tab_stop_on_a_phone(app, new_page, live_url):
    seed(app, live_url)
    phone = new_page(viewport=PHONE)
    sign_in(phone)
    phone.goto("/admin/audit")
    settle(phone)
    region = phone.get_by_role("region", name="(scrolls sideways)")
    assert region.count() >= 1
    assert region.first.get_attribute("tabindex") == "0"
    region.first.focus()
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    region.first.evaluate("""el => new Promise((done, failed) => {
        const start = Date.now();
        (function wait() {
            if (el.scrollLeft > 0) done();
            else if (Date.now() - start > 3000) failed("not scrolled");
            else setTimeout(wait, 50);
        })();
    })""")
    wide = new_page()
    sign_in(wide)
    wide.goto("/admin/users")
    settle(wide)
    assert wide.get_by_role("region", name="(scrolls sideways)").count() == 0  # fits: no extra tab stop


def test_escape_closes_the_account_menu_and_returns_focus(app, page, live_url):
    seed(app, live_url)
    sign_in(page)
    summary = page.locator("details.usermenu > summary")
    summary.click()
    assert page.locator("details.usermenu").get_attribute("open") is not None
    page.keyboard.press("Escape")
    assert page.locator("details.usermenu").get_attribute("open") is None
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
