"""Exporting contacts to CSV or XLSX: the one implementation the list, a
selection (bulk action), a segment, background jobs and `flask contacts
export` share.

The layout is flat and re-importable: one row per contact, headers in plain
words that the importer maps by name ("First name", "Email", "Postcode",
custom fields by their label). In order:

    Name, Kind, Email, Phone, City, Postcode, Country,      <- the primary ones
    Address line 1, Address line 2, Region,                 <- primary address
    Prefix, First name, Middle name, Last name, Suffix, Preferred name,
    Birth date, Pronouns, Preferred language, Member of household, Tags, Owner,
    Do not email, Do not phone, Do not mail, Email opt-in, Notes, Source,
    Email 2 … Email N, Phone 2 … Phone N,                   <- as many as the
    Address 2 line 1, Address 2 line 2, Address 2 city,        export needs
    Address 2 region, Address 2 postcode, Address 2 country, … Address N …,
    <custom field labels>, Added, Updated, ID

- "Name" is the display name of a person and the name of a household or
  organisation; people are re-imported from their name parts.
- The headers are the importer's field names or synonyms
  (modules/contacts/importer/mapping.py), so an export maps itself when it
  is imported again; "Email 2" and "Phone 2" have importer fields, further
  ones and "Owner", "Added", "Updated", "ID" are for reading.
- Tags are joined with ", " (the importer splits on commas), multiple-choice
  custom fields with "; " (as custom_fields.parse reads them). Yes/no values
  and the email opt-in are "Yes"/"No" ("Unknown" when never asked); dates are
  YYYY-MM-DD; phones are E.164 (+441632960001).
- Every cell is text. A cell that starts like a spreadsheet formula
  (= + - @, tab, carriage return) gets a leading apostrophe, in CSV and in
  XLSX alike, unless it is plainly a number ("-2", "+1.5") or a phone
  number ("+15245550138", "+44 1632 960001"), which a spreadsheet can only
  read as what it is; `unneutralise` takes the apostrophe off when importing.
- CSV is UTF-8 with a byte-order mark so that Excel opens it right.
- Contacts are read in chunks of CHUNK ids, walked by id, with emails,
  phones, addresses, tags, owner, household and custom values loaded per
  chunk (a fixed number of queries per chunk), so no more than a chunk of
  contacts is ever in memory. Rows come out in id order.
- More than BACKGROUND_OVER contacts: the web views hand the export to the
  "contacts.export" job, which writes instance/exports/<job id>.<ext>; the
  job page offers the file to the person who asked for it. The worker and
  the web process must share the instance directory (one host, or a shared
  volume); otherwise keep exports under the limit, or use
  `flask contacts export` on the worker host.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import audit
from app.extensions import db
from modules.contacts import hooks
from modules.contacts.lists import queries
from modules.contacts.models import (
    OPT_IN,
    OPT_OUT,
    OPT_UNKNOWN,
    PERSON,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    CustomField,
    CustomValue,
)
from modules.contacts.people import custom_fields

CHUNK = 1_000
BACKGROUND_OVER = 10_000
KEEP_FILES_DAYS = 7
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What starts like a formula but is only a number or a phone number: no function, no reference.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\+\d[\d ().-]{5,30}")
XLSX_CELL_MAX = 32_767

FORMATS = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
KIND_NAMES = {"person": "Person", "household": "Household", "organisation": "Organisation"}
OPT_NAMES = {OPT_IN: "Yes", OPT_OUT: "No", OPT_UNKNOWN: "Unknown"}

PRIMARY = ("Name", "Kind", "Email", "Phone", "City", "Postcode", "Country",
           "Address line 1", "Address line 2", "Region")
PERSONAL = ("Prefix", "First name", "Middle name", "Last name", "Suffix", "Preferred name", "Birth date",
            "Pronouns", "Preferred language", "Member of household", "Tags", "Owner",
            "Do not email", "Do not phone", "Do not mail", "Email opt-in", "Notes", "Source",
            "Salutation", "Addressee")
TRAILER = ("Added", "Updated", "ID")
ADDRESS_PARTS = ("line 1", "line 2", "city", "region", "postcode", "country")


# Cells ----------------------------------------------------------------------

def safe_cell(value) -> str:
    """Spreadsheet formula neutralisation: a cell that starts like a formula
    gets a leading apostrophe, so it stays text in Excel and LibreOffice."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unneutralise(value: str) -> str:
    """What `safe_cell` was given (for importing an export)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _xlsx_cell(sheet, text: str):
    """A cell typed as text: a spreadsheet never evaluates it, so the value
    needs no apostrophe in front (which XLSX would show as part of the text)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell  # loaded when used: ~15 MB

    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", unneutralise(text))[:XLSX_CELL_MAX])
    cell.data_type = "s"
    return cell


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


# Layout ---------------------------------------------------------------------

@dataclass
class Layout:
    emails: int = 1
    phones: int = 1
    addresses: int = 1
    fields: list[CustomField] = field(default_factory=list)
    field_headers: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        extra = [f"Email {i}" for i in range(2, self.emails + 1)]
        extra += [f"Phone {i}" for i in range(2, self.phones + 1)]
        extra += [f"Address {i} {part}" for i in range(2, self.addresses + 1) for part in ADDRESS_PARTS]
        return [*PRIMARY, *PERSONAL, *extra, *self.field_headers, *TRAILER]


def _most(model, ids_select) -> int:
    per_contact = (select(func.count().label("n")).where(model.contact_id.in_(ids_select.scalar_subquery()))
                   .group_by(model.contact_id).subquery())
    return db.session.scalar(select(func.max(per_contact.c.n))) or 0


def layout(ids_select) -> Layout:
    """The columns an export of `ids_select` needs: as many email, phone and
    address columns as its busiest contact has (four bounded queries)."""
    fields = list(db.session.scalars(select(CustomField).where(CustomField.active.is_(True))
                                     .order_by(CustomField.position, CustomField.id)))
    taken = {h.casefold() for h in (*PRIMARY, *PERSONAL, *TRAILER)}
    headers = []
    for f in fields:
        header = f.label.strip() or f.key
        if header.casefold() in taken or header.lower().startswith(("email ", "phone ", "address ")):
            header = f"{header} ({f.key})"
        taken.add(header.casefold())
        headers.append(header)
    return Layout(emails=max(1, _most(ContactEmail, ids_select)), phones=max(1, _most(ContactPhone, ids_select)),
                  addresses=max(1, _most(ContactAddress, ids_select)), fields=fields, field_headers=headers)


# Rows -----------------------------------------------------------------------

def id_chunks(ids_select, size: int | None = None) -> Iterator[list[int]]:
    """The ids of `ids_select` in chunks, walked by id (keyset); the query
    runs again per chunk, so contacts that stop matching simply drop out."""
    size = size or CHUNK
    last = 0
    while True:
        ids = list(db.session.scalars(ids_select.where(Contact.id > last).order_by(Contact.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _primary_first(rows: list) -> list:
    return sorted(rows, key=lambda r: (not r.is_primary, r.id))


def _custom_cells(lay: Layout, ids: list[int]) -> dict[int, dict[int, str]]:
    """{contact id: {field id: text}} for one chunk (one query)."""
    by_id = {f.id: f for f in lay.fields}
    if not by_id:
        return {}
    values: dict[int, dict[int, list]] = {}
    rows = db.session.scalars(select(CustomValue).where(CustomValue.contact_id.in_(ids),
                                                        CustomValue.field_id.in_(by_id)).order_by(CustomValue.id))
    for row in rows:
        f = by_id[row.field_id]
        value = custom_fields._python(f, row)
        if value is not None:
            values.setdefault(row.contact_id, {}).setdefault(f.id, []).append(value)
    out: dict[int, dict[int, str]] = {}
    for cid, per_field in values.items():
        for fid, items in per_field.items():
            f = by_id[fid]
            if f.type == "multi_choice":
                text = "; ".join(str(i) for i in items)
            else:
                text = custom_fields.display(f, items[0])
            out.setdefault(cid, {})[fid] = text
    return out


def _row(c: Contact, lay: Layout, custom: dict[int, str]) -> list[str]:
    emails, phones = _primary_first(c.emails), _primary_first(c.phones)
    addresses = _primary_first(c.addresses)
    first = addresses[0] if addresses else None

    def part(a, name):
        return getattr(a, name) if a is not None else ""

    person = c.kind == PERSON
    cells = [
        c.display_name if person else c.name,
        KIND_NAMES.get(c.kind, c.kind),
        emails[0].email if emails else "",
        phones[0].number if phones else "",
        part(first, "city"), part(first, "postcode"), part(first, "country"),
        part(first, "line1"), part(first, "line2"), part(first, "region"),
        c.prefix, c.first_name, c.middle_name, c.last_name, c.suffix, c.preferred_name,
        c.birth_date.isoformat() if c.birth_date else "",
        c.pronouns, c.preferred_language,
        c.household.name if c.household is not None else "",
        ", ".join(t.name for t in c.tags),
        c.owner.name if c.owner is not None else "",
        _yes(c.do_not_email), _yes(c.do_not_phone), _yes(c.do_not_mail),
        OPT_NAMES.get(c.email_opt_in, c.email_opt_in),
        c.notes, c.source, c.salutation, c.addressee,
    ]
    cells += [e.email for e in emails[1:]] + [""] * (lay.emails - max(len(emails), 1))
    cells += [p.number for p in phones[1:]] + [""] * (lay.phones - max(len(phones), 1))
    for a in addresses[1:]:
        cells += [a.line1, a.line2, a.city, a.region, a.postcode, a.country]
    cells += [""] * (len(ADDRESS_PARTS) * (lay.addresses - max(len(addresses), 1)))
    cells += [custom.get(f.id, "") for f in lay.fields]
    cells += [c.created_at.date().isoformat() if c.created_at else "",
              c.updated_at.date().isoformat() if c.updated_at else "", str(c.id)]
    return [safe_cell(v) for v in cells]


def row_chunks(ids_select, lay: Layout) -> Iterator[list[list[str]]]:
    """Rows of text, a chunk at a time. The session's identity map holds its
    objects weakly, so a chunk's contacts go once its rows are written."""
    for ids in id_chunks(ids_select):
        contacts = db.session.scalars(
            select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id).options(
                selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses),
                selectinload(Contact.tags), selectinload(Contact.owner), selectinload(Contact.household)),
        ).all()
        custom = _custom_cells(lay, ids)
        rows = [_row(c, lay, custom.get(c.id, {})) for c in contacts]
        del contacts
        yield rows


# Files ----------------------------------------------------------------------

def csv_stream(ids_select, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """A CSV file (UTF-8 with BOM), chunk by chunk."""
    lay = layout(ids_select)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(lay.headers)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    done = 0
    for rows in row_chunks(ids_select, lay):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        done += len(rows)
        if progress:
            progress(done)
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(ids_select, fileobj, progress: Callable[[int], None] | None = None) -> int:
    """An XLSX workbook written with openpyxl's write-only mode (rows go to a
    temporary file as they come); returns the number of contacts."""
    from openpyxl import Workbook  # loaded when used: ~15 MB a process otherwise

    lay = layout(ids_select)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.freeze_panes = "A2"
    sheet.append(lay.headers)
    done = 0
    for rows in row_chunks(ids_select, lay):
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
        done += len(rows)
        if progress:
            progress(done)
    book.save(fileobj)
    return done


def write(ids_select, fmt: str, fileobj, progress: Callable[[int], None] | None = None) -> int:
    """Write the whole export to a binary file object; returns the row count."""
    if fmt == "xlsx":
        return write_xlsx(ids_select, fileobj, progress)
    done = 0

    def counting(n):
        nonlocal done
        done = n
        if progress:
            progress(n)

    for piece in csv_stream(ids_select, counting):
        fileobj.write(piece)
    return done


def stream(ids_select, fmt: str, read_size: int = 256 * 1024) -> Iterator[bytes]:
    """The export as a response body. CSV streams as it is read; XLSX (a zip)
    is built in a temporary file first, then sent in pieces."""
    if fmt != "xlsx":
        yield from csv_stream(ids_select)
        return
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(ids_select, tmp)
        tmp.seek(0)
        while piece := tmp.read(read_size):
            yield piece


# What is exported, and the record of it ---------------------------------------

@dataclass
class Source:
    """What an export covers. `scope` is "list" (a list query), "selected"
    (chosen ids) or "segment"."""

    scope: str
    lq: queries.ListQuery | None = None
    ids: list[int] = field(default_factory=list)
    segment_id: int | None = None
    segment_name: str = ""
    label: str = ""  # how the audit entry names it, when the default does not fit

    def ids_select(self, specs=None):
        from modules.contacts.lists import segments
        from modules.contacts.models import Segment

        specs = specs if specs is not None else hooks.filter_specs()
        if self.scope == "segment":
            segment = db.session.get(Segment, self.segment_id)
            if segment is None:
                return select(Contact.id).where(Contact.id.is_(None))
            return segments.contact_ids_select(segment)
        if self.scope == "selected":
            return select(Contact.id).where(Contact.id.in_(self.ids), Contact.deleted_at.is_(None))
        return queries.ids_select(self.lq or queries.ListQuery(), specs)

    @property
    def described(self) -> str:
        if self.label:
            return self.label
        if self.scope == "segment":
            return f"the segment “{self.segment_name}”"
        if self.scope == "selected":
            return "a selection"
        return "the whole filtered list" if self.lq is not None and self.lq.filtered else "the whole list"

    def to_args(self) -> dict:
        return {"scope": self.scope, "ids": self.ids if self.scope == "selected" else [],
                "query": self.lq.to_json() if self.lq is not None else None,
                "segment_id": self.segment_id, "segment_name": self.segment_name, "label": self.label}

    @classmethod
    def from_args(cls, data: dict, specs=None) -> Source:
        specs = specs if specs is not None else hooks.filter_specs()
        query = data.get("query")
        return cls(scope=data.get("scope", "list"), ids=list(data.get("ids") or []),
                   lq=queries.ListQuery.from_json(query, specs) if query is not None else None,
                   segment_id=data.get("segment_id"), segment_name=data.get("segment_name") or "",
                   label=data.get("label") or "")


def count(ids_select) -> int:
    return db.session.scalar(select(func.count()).select_from(ids_select.subquery())) or 0


def record(n: int, fmt: str, source: Source, user=None, *, actor: str | None = None) -> None:
    """The audit entry of an export: how many, what, which format."""
    changes = {"rows": ("", n), "format": ("", fmt), "scope": ("", source.scope)}
    if source.scope == "segment":
        changes["segment"] = ("", f"{source.segment_id}: {source.segment_name}")
    elif source.scope == "selected":
        changes["ids"] = ("", ", ".join(str(i) for i in source.ids[:200]))
    elif source.lq is not None:
        changes["query"] = ("", str(source.lq.to_json()))
    audit.record(audit.EXPORT, object_type="contacts_contact", user=user, actor=actor,
                 summary=f"Exported {n:,} contacts to {FORMATS[fmt][0]} ({source.described})", changes=changes)


def filename(fmt: str, stamp: str) -> str:
    return f"contacts-{stamp}.{fmt}"


# Background exports ---------------------------------------------------------------

def exports_dir() -> Path:
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job_id: int, fmt: str) -> Path:
    return exports_dir() / f"{int(job_id)}.{'xlsx' if fmt == 'xlsx' else 'csv'}"


def prune_files(days: int = KEEP_FILES_DAYS) -> int:
    """Remove export files older than `days` (each job run tidies up)."""
    cutoff, removed = time.time() - days * 86_400, 0
    for path in exports_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def run_job(job, *, fmt: str, source: dict, **_ignored) -> dict:
    """The "contacts.export" job: write the file under instance/exports/,
    with progress. Safe to run again: it rewrites the file."""
    from app.jobs import job_progress

    prune_files()
    src = Source.from_args(source)
    ids_select = src.ids_select()
    total = count(ids_select)
    job_progress(job, 0, total, f"Exporting to {FORMATS[fmt][0]}")
    path = job_file(job.id, fmt)
    partial = path.with_suffix(path.suffix + ".part")
    with open(partial, "wb") as out:
        done = write(ids_select, fmt, out, progress=lambda n: job_progress(job, n, max(total, n)))
    os.replace(partial, path)
    return {"rows": done, "format": fmt, "file": path.name}
