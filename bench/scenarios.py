"""The pages a run drives, built from what bench.discover found."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

HTMX = {"HX-Request": "true"}


@dataclass
class Scenario:
    key: str                      # also the X-Bench tag of its requests
    title: str
    paths: list[str]              # requested in turn
    headers: dict[str, str] = field(default_factory=dict)
    group: str | None = None      # which latency target applies (bench.targets)
    note: str = ""
    available: bool = True


def _search(term: dict) -> str:
    return "/contacts/?" + urlencode({"q": term["term"]})


def _matches(term: dict) -> str:
    n = term["matches"]
    return f"“{term['term']}”: {n:,} {'match' if n == 1 else 'matches'}"


def build(found: dict) -> list[Scenario]:
    total, search = found["contacts"], found["search"]
    ids = found["contact_ids"]
    scenarios = [
        Scenario("list_first", "Contact list, first page", ["/contacts/"], group="list"),
        Scenario("list_deep", "Contact list, deep page (keyset cursor)", [found["deep"]["path"]], group="list",
                 note=f"after row {found['deep']['position']:,} of {total:,} by name"),
        Scenario("search_rare", "Quick search, rare name", [_search(search["rare"])], group="search_rare",
                 note=_matches(search["rare"])),
        Scenario("search_common", "Quick search, common name", [_search(search["common"])], group="search_common",
                 note=_matches(search["common"])),
        Scenario("contact", "Contact page", [f"/contacts/{i}" for i in ids], group="contact",
                 note=f"{len(ids)} contacts spread over the table, in turn"),
        Scenario("list_fragment", "Contact list, HTMX fragment", ["/contacts/"], HTMX, group="list",
                 note="first page with HX-Request (what paging and sorting fetch)"),
        Scenario("list_count", "Contact list, its count (HTMX)", ["/contacts/count"], HTMX,
                 note="the capped count every list view fetches after its rows"),
        Scenario("search_common_count", "Quick search count, common name (HTMX)",
                 ["/contacts/count?" + urlencode({"q": search["common"]["term"]})], HTMX,
                 note="what a search fetches after its rows"),
        Scenario("timeline_fragment", "Timeline, HTMX fragment", [f"/contacts/{found['timeline_id']}/timeline"],
                 HTMX, note="the contact page's timeline region"),
        Scenario("dashboard", "Dashboard", ["/"]),
    ]
    return (scenarios + api(found) + pipeline(found.get("pipeline")) + reports(found.get("reports"))
            + marketing(found.get("marketing")) + helpdesk(found.get("helpdesk"))
            + widgets(found.get("widgets")))


def api(found: dict) -> list[Scenario]:
    """The REST API's contact list (a page of 50 with every field, through the
    token check and the rate limiter): first page, deep keyset page, a filter."""
    token = found.get("api_token")
    if not token:
        return [Scenario("api_list_first", "API: contacts, first page", [], available=False,
                         note="no API token (the bench administrator is missing)")]
    auth = {"Authorization": f"Bearer {token}"}
    deep = found["deep"]["path"].split("?", 1)[1]
    return [
        Scenario("api_list_first", "API: contacts, first page", ["/api/v1/contacts?limit=50"], auth, group="list"),
        Scenario("api_list_deep", "API: contacts, deep page (keyset cursor)", [f"/api/v1/contacts?limit=50&{deep}"],
                 auth, group="list", note=f"after row {found['deep']['position']:,} by name"),
        Scenario("api_list_sparse", "API: contacts, sparse fields", ["/api/v1/contacts?limit=50&fields=display_name"],
                 auth, group="list", note="fields=display_name: no details loaded beyond the page's"),
        Scenario("api_list_filtered", "API: contacts with an email", ["/api/v1/contacts?limit=50&f=has_email:yes:"],
                 auth, group="list", note="a filter-builder criterion as a query parameter"),
    ]


PIPELINE = (("pipeline_board", "Pipeline board", "board", ""),
            ("pipeline_donor", "Donor's contact page", "donor", ""),
            ("pipeline_donor_giving", "Donor's giving panel (HTMX)", "donor", "/panels/giving"),
            ("pipeline_lybunt", "LYBUNT segment list", "lybunt", ""),
            ("pipeline_lybunt_count", "LYBUNT list, its count (HTMX)", "lybunt", "count"),
            ("pipeline_sybunt", "SYBUNT segment list", "sybunt", ""),
            ("pipeline_sybunt_count", "SYBUNT list, its count (HTMX)", "sybunt", "count"))


def _variant(path: str, suffix: str) -> tuple[str, dict]:
    """The lazily loaded part of a page: a panel below it, or the list's count."""
    if suffix == "count":
        return path.replace("/contacts/", "/contacts/count", 1), HTMX
    return (path + suffix, HTMX) if suffix else (path, {})


def pipeline(pages: dict | None) -> list[Scenario]:
    """The pipeline & giving pages, or "not available" rows saying why."""
    out = []
    for key, title, part, suffix in PIPELINE:
        page = (pages or {}).get(part) or {}
        if page.get("path"):
            path, headers = _variant(page["path"], suffix)
            out.append(Scenario(key, title, [path], headers, note=page.get("note", "")))
        else:
            why = "pipeline module not enabled" if pages is None else page.get("missing", "not found")
            out.append(Scenario(key, title, [], note=why, available=False))
    return out


def reports(pages: list[dict] | None) -> list[Scenario]:
    """Each standard report with its default parameters (bench/report_pages.py)."""
    if pages is None:
        return [Scenario("report_standard", "Standard reports", [], note="reports module not enabled",
                         available=False)]
    return [Scenario(f"report_{p['key'].replace('.', '_').replace('-', '_')}", f"Report: {p['title']}",
                     [p["path"]], group="report", note="default parameters") for p in pages]


def _pages(table, pages: dict | None, module: str, group: str) -> list[Scenario]:
    """Scenarios of `table` ((key, title, part, headers)) from a module's
    discovered pages, or "not available" rows saying why."""
    out = []
    for key, title, part, headers in table:
        page = (pages or {}).get(part) or {}
        if page.get("path"):
            out.append(Scenario(key, title, [page["path"]], dict(headers), group=group, note=page.get("note", "")))
        else:
            why = f"{module} module not enabled" if pages is None else page.get("missing", "not found")
            out.append(Scenario(key, title, [], note=why, available=False))
    return out


MARKETING = (("marketing_campaigns", "Campaign list", "list", {}),
             ("marketing_campaign", "Campaign page", "campaign", {}),
             ("marketing_recipients", "Campaign recipients, first page", "recipients", {}),
             ("marketing_recipients_deep", "Campaign recipients, deep page (keyset cursor)", "recipients_deep", {}))


def marketing(pages: dict | None) -> list[Scenario]:
    """Issue 10's pages, held to the contact list's targets (group "list")."""
    return _pages(MARKETING, pages, "marketing", "list")


HELPDESK = (("helpdesk_queue", "Ticket queue, default view", "queue", {}),
            ("helpdesk_queue_all", "Ticket queue, all tickets", "queue_all", {}),
            ("helpdesk_ticket", "Ticket page, busy ticket", "ticket", {}),
            ("helpdesk_kb_search", "Knowledge base search (staff)", "kb_search", {}),
            ("helpdesk_kb_public", "Help centre search (public)", "kb_public", {}),
            ("helpdesk_suggest", "Request form: article suggestions (HTMX)", "suggest", HTMX))


def helpdesk(pages: dict | None) -> list[Scenario]:
    """Issue 11's pages (group "helpdesk": ≤ 30 ms at 500,000 tickets)."""
    return _pages(HELPDESK, pages, "helpdesk", "helpdesk")


def widgets(found: dict | None) -> list[Scenario]:
    """Each dashboard widget by its own URL, the report dashboard, its widget
    and the builder (bench/widget_pages.py); issue 13: widgets ≤ 100 ms."""
    if not found:
        return []
    out = [Scenario(f"widget_{w['key'].replace('-', '_')}", f"Widget: {w['title']}", [w["path"]], HTMX,
                    group="widget", note="the card alone, as HTMX fetches it") for w in found["widgets"]]
    rep = found.get("reports")
    if rep is None:
        return out
    out.append(Scenario("reports_dashboard", "Reports dashboard", [rep["dashboard"]],
                        note="the page; its widgets load after it"))
    if rep.get("widget"):
        out.append(Scenario("reports_widget", "Report widget (HTMX)", [rep["widget"]], HTMX, group="widget",
                            note="gifts by fund by month, chart; cached in Redis for 5 minutes after the first"))
    else:
        out.append(Scenario("reports_widget", "Report widget (HTMX)", [], available=False,
                            note="needs the pipeline module and the bench administrator"))
    if rep.get("builder"):
        # No latency target: issue 13 asks that a builder query over its time budget
        # (REPORTS_QUERY_SECONDS, 10 s) is stopped, not that it is fast.
        out.append(Scenario("report_builder", "Report builder: gifts by fund by month", [rep["builder"]],
                            note="every gift, sum by fund and month, stacked bars, opened from its URL "
                                 "(never cached); no target: a query over the 10 s budget is stopped"))
    return out
