"""The browser walks of every page (axe, fit): each GET rule of the url_map
with real records in its variables (tests/security/walk.py), opened once,
skipping what is not a page a person opens (static files, the health check,
fragments, files and redirects to pages the walk visits anyway)."""

from __future__ import annotations

from collections.abc import Iterator

from tests.browser.conftest import settle
from tests.security import walk

NOT_PAGES = {"static", "healthz",
             # Swagger UI's own markup (a developer tool served as the library ships it) fails axe on its
             # colours and nested buttons; the same reference is the OpenAPI document and docs/api.md.
             # Its page is checked for the CSP in tests/browser/test_api_tokens.py.
             "api_docs.docs"}


def _is_page(response) -> bool:
    return (response is not None and response.status == 200
            and response.headers.get("content-type", "").startswith("text/html"))


def every_page(app, page, records: dict) -> Iterator[str]:
    """Open each page in turn and yield its path once it has settled."""
    visited = set()
    for rule in walk.rules(app):
        if "GET" not in walk.methods(rule) or rule.endpoint in NOT_PAGES or rule.endpoint.endswith(".static"):
            continue
        path = walk.path(rule, records)
        if path in visited:
            continue
        visited.add(path)
        response = page.goto(path)
        if not _is_page(response) or page.evaluate("() => !document.querySelector('main')"):
            continue
        settle(page)
        yield path
