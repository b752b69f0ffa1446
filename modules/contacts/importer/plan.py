"""Reading, checking and matching a file's rows, chunk by chunk: what the
preview shows and what the job then does. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from modules.contacts.importer import mapping, matching, reading
from modules.contacts.importer.validate import Row, RowReader
from modules.contacts.importer.value_lists import ValueLists
from modules.contacts.models import ImportRun

# Rows read, checked and written together (matches are looked up per chunk;
# when two rows of one chunk match the same contact, the first one updates
# it). The job commits every `run.COMMIT_EVERY` chunks.
CHUNK = 1000
# The upload keeps a file's first PREVIEW_LIMIT rows (`reading.inspect`);
# the preview checks those in the request, never reading the file again, so
# a bigger file's preview checks (and shows the outcome of) its first rows,
# and the job checks every row before writing it: rows with problems are
# never written and land in the failed-rows file.
PREVIEW_LIMIT = 5_000
SHOWN = 100
CREATE, UPDATE, SKIP_MATCH, SKIP_NEW, FAIL = "create", "update", "skip_match", "skip_new", "fail"
ACTION_LABELS = {CREATE: "New contact", UPDATE: "Update match", SKIP_MATCH: "Skip (matches a contact)",
                 SKIP_NEW: "Skip (new)", FAIL: "Problem: not imported"}


@dataclass
class Planned:
    row: Row
    action: str
    contact_id: int | None = None
    # A row the import creates although it looks like existing contacts
    # (people.existing): by name and postcode under the email rule, by email
    # under the name rule, by either under "none". The preview lists them.
    similar: list = field(default_factory=list)

    @property
    def display_name(self) -> str:
        """The name the row's contact would have."""
        from modules.contacts.importer.documents import names

        return names(self.row.kind, self.row.values.get)[0]

    def similar_text(self) -> str:
        """"looks like Ann Smith (#12): same name at postcode LS1 1AA"."""
        return "; ".join(f"looks like {m.display_name} (#{m.contact_id}): {', '.join(m.reasons)}"
                         for m in self.similar)


class Planner:
    """One file, one mapping, one set of match rules."""

    def __init__(self, run: ImportRun, *, sample: bool = False, similar: bool = False):
        self.run = run
        self.sample = sample  # the first rows the upload kept, not the file
        self.similar = similar  # look for existing contacts like the rows it would create (the preview)
        self.fields = mapping.custom_fields()
        self.values = ValueLists(run, self.fields)
        self.reader = RowReader(run.headers or [], run.mapping or {}, self.fields, self.values)
        self.seen = matching.Seen(run.match_rule)

    def lines(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.run.headers or [])
        if self.sample:
            return reading.sample_rows(self.run.sample, width)
        return reading.rows(self.run.data, self.run.encoding, self.run.delimiter, width)

    def chunks(self, limit: int | None = None, size: int = CHUNK) -> Iterator[list[tuple[int, list[str]]]]:
        batch, count = [], 0
        for item in self.lines():
            batch.append(item)
            count += 1
            if len(batch) >= size:
                yield batch
                batch = []
            if limit is not None and count >= limit:
                break
        if batch:
            yield batch

    def plan(self, batch: list[tuple[int, list[str]]], *, lookup: bool = True) -> list[Planned]:
        """Read and check the rows, then decide what happens to each; `lookup`
        False only records in-file keys (resuming past rows already done)."""
        rows = [self.reader.read(line, cells) for line, cells in batch]
        _erased_guard(rows, self.reader.header_of.get("email", ""))
        for row in rows:
            if row.ok:
                self.seen.check(row, self.reader.header_of)
        if not lookup:
            return []
        good = [r for r in rows if r.ok]
        rule = self.run.match_rule
        creating = self.similar and self.run.on_new == "create"
        # One lookup either way: by the rule alone, or (the preview) by every way.
        ways = matching.people.WAYS if creating else (rule,) if rule in matching.people.WAYS else ()
        found = {id(row): m for row, m in zip(good, matching.lookup(good, ways) if ways else [[]] * len(good),
                                              strict=True)}
        out = []
        for row in rows:
            matches = found.get(id(row), [])
            contact_id = matching.first_by(matches, rule)
            if not row.ok:
                out.append(Planned(row, FAIL))
            elif contact_id is not None:
                action = UPDATE if self.run.on_match == "update" else SKIP_MATCH
                out.append(Planned(row, action, contact_id))
            else:
                action = CREATE if self.run.on_new == "create" else SKIP_NEW
                out.append(Planned(row, action, similar=matches if action == CREATE else []))
        return out


def _erased_guard(rows: list[Row], column: str) -> None:
    """An erased person must not come back with the next spreadsheet
    (modules/contacts/people/privacy.py keeps a keyed hash of their addresses)."""
    from modules.contacts.people.privacy import erased_ids_for_emails

    erased = erased_ids_for_emails({e for row in rows if row.ok for e in row.emails})
    for row in rows:
        if row.ok and any(e in erased for e in row.emails):
            row.problems.append((column, "This address belonged to a contact whose personal data was erased; "
                                         "it is not imported again."))


@dataclass
class Preview:
    checked: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTION_LABELS, 0))
    shown: list[Planned] = field(default_factory=list)
    problems: list[Planned] = field(default_factory=list)
    problem_rows: int = 0
    similar: list[Planned] = field(default_factory=list)  # new rows that look like existing contacts
    similar_rows: int = 0
    unknowns: list = field(default_factory=list)  # unknown_values.Unknown: tags and choices no list knows

    @property
    def complete(self) -> bool:
        return self.checked >= self.total

    @property
    def valid(self) -> int:
        return self.checked - self.counts[FAIL]


def preview(run: ImportRun, limit: int | None = PREVIEW_LIMIT, shown: int = SHOWN, problems: int = 200) -> Preview:
    """Check the first `limit` rows the upload kept; every row of the file
    when `limit` is None (the CLI's dry run, which may read the file). New
    rows that look like existing contacts are counted and listed (`similar`)."""
    planner = Planner(run, sample=limit is not None, similar=True)
    out = Preview(total=run.rows_total)
    for batch in planner.chunks(limit=limit):
        for planned in planner.plan(batch):
            out.checked += 1
            out.counts[planned.action] += 1
            if len(out.shown) < shown:
                out.shown.append(planned)
            if planned.action == FAIL:
                out.problem_rows += 1
                if len(out.problems) < problems:
                    out.problems.append(planned)
            if planned.similar:
                out.similar_rows += 1
                if len(out.similar) < problems:
                    out.similar.append(planned)
    out.unknowns = planner.values.unknowns()
    return out
