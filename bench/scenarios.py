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
        Scenario("timeline_fragment", "Timeline, HTMX fragment", [f"/contacts/{found['timeline_id']}/timeline"],
                 HTMX, note="the contact page's timeline region"),
        Scenario("dashboard", "Dashboard", ["/"]),
    ]
    return scenarios + pipeline(found.get("pipeline"))


PIPELINE = (("pipeline_board", "Pipeline board", "board"),
            ("pipeline_donor", "Donor's contact page", "donor"),
            ("pipeline_lybunt", "LYBUNT segment list", "lybunt"))


def pipeline(pages: dict | None) -> list[Scenario]:
    """The pipeline & giving pages, or "not available" rows saying why."""
    out = []
    for key, title, part in PIPELINE:
        page = (pages or {}).get(part) or {}
        if page.get("path"):
            out.append(Scenario(key, title, [page["path"]], note=page.get("note", "")))
        else:
            why = "pipeline module not enabled" if pages is None else page.get("missing", "not found")
            out.append(Scenario(key, title, [], note=why, available=False))
    return out
