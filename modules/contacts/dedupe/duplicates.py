"""Finding likely duplicate contacts, with a score and the reasons for it.

Two live contacts of the same kind are a candidate pair when they

- share an email address (compared without regard to case),
- share a phone number (E.164 equality: numbers are stored normalised), or
- have similar names (rapidfuzz `token_sort_ratio` on folded names of at
  least `NAME_THRESHOLD`) and live at the same postcode or in the same
  household.

Each pair gets a score from 0 to 100 (see `evaluate`) and reasons such as
"same email ann@x.org" or "names 92% alike, same postcode LS1 1AA"; first
names that say "two people" (John and Mary sharing a family email, Andrea
and Andrew in one household) lower it. tests/modules/contacts/
test_duplicate_precision.py keeps a hand-checked set of true and false
pairs and the precision of the top 20. Pairs a
reviewer marked "not a duplicate" (`DuplicateDismissal`) are left out.

There is no table of candidates (yet), so the work is bounded instead:

- `for_contact` looks up one contact's duplicates with indexed lookups only:
  its emails (`contacts_email.email`, as stored and lower-cased; forms and
  imports store addresses lower-cased), its phone numbers
  (`contacts_phone.number`), the contacts at its postcode (at most
  `BLOCK_MAX`) and the members of its household.
- `scan` is the review queue: it walks *blocks* in a fixed order, resuming
  after a cursor — email groups (`GROUP BY lower(email) HAVING count > 1`),
  then phone groups, then postcodes, then households — and stops after
  `BLOCKS_PER_PAGE` blocks or once `PAIRS_PER_PAGE` pairs are found, at a
  block boundary. The page's "Scan more" link carries the cursor (keyset by
  block key, never OFFSET). Each page costs one grouped query over the
  indexed column of the stage it is in (a scan of that index: about a
  second for a million rows on SQLite), plus bounded loads of the blocks'
  members. Names are compared only within a postcode (or household) and
  kind; a postcode with more than `SUBBLOCK_OVER` people of one kind is
  split by the first letter of the sort name, and at most `BLOCK_MAX`
  members of any block are looked at. Groups of more than `BLOCK_MAX`
  contacts sharing one email or phone (a shared office address) are cut at
  `BLOCK_MAX` too.
- Each pair is reported once: by the first stage that finds it (email,
  phone, then name) and, within the email and phone stages, by the
  smallest shared address or number.
- `run_job` ("contacts.find_duplicates") walks every page in the
  background and keeps the best `JOB_KEEP` pairs in the job's result (the
  `core_job.result` JSON); the queue shows them, re-checked against the
  current data, when a finished scan exists.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.ids import parse_id
from modules.contacts.lists.search import fold
from modules.contacts.models import PERSON, Contact, ContactEmail, ContactPhone, DuplicateDismissal
from modules.contacts.people.phones import display as phone_display

NAME_THRESHOLD = 85  # token_sort_ratio on folded names
TYPO_ALIKE = 75  # first names this alike (rapidfuzz ratio) may be one name mistyped
DIFFERENT_PEOPLE = 35  # what differing first names take off a score (see `evaluate`)
BLOCKS_PER_PAGE = 200
PAIRS_PER_PAGE = 40
BLOCK_MAX = 200
SUBBLOCK_OVER = 300
CONTACT_LIMIT = 20  # duplicates shown for one contact
JOB_KEEP = 2000
STAGES = ("email", "phone", "postcode", "household")


@dataclass
class Candidate:
    """A likely duplicate pair, lower id first."""

    a: Contact
    b: Contact
    score: int
    reasons: list[str]
    stage: str  # "email", "phone" or "name": the first rule that pairs them
    shared_emails: list[str] = field(default_factory=list)
    shared_phones: list[str] = field(default_factory=list)

    @property
    def ids(self) -> tuple[int, int]:
        return self.a.id, self.b.id


# ---------------------------------------------------------------- scoring
def name_keys(contact: Contact) -> list[str]:
    """The folded names a contact may be known by."""
    if contact.kind != PERSON:
        return [k for k in {fold(contact.name or "")} if k]
    last = contact.last_name or ""
    keys = {fold(f"{contact.first_name or ''} {last}")}
    if contact.preferred_name:
        keys.add(fold(f"{contact.preferred_name} {last}"))
    keys.discard("")
    return sorted(keys) or [k for k in {fold(contact.display_name or "")} if k]


def name_similarity(a: Contact, b: Contact) -> int:
    from rapidfuzz import fuzz  # loaded when used, not in every web process

    best = 0.0
    for x in name_keys(a):
        for y in name_keys(b):
            best = max(best, fuzz.token_sort_ratio(x, y))
    return round(best)


def _first_names(contact: Contact) -> set[str]:
    return {k for k in (fold(contact.first_name or ""), fold(contact.preferred_name or "")) if k}


def _short_form(short: str, name: str) -> bool:
    """An initial ("a" of "adaeze") or a short form three or more letters
    shorter ("jon" of "jonathan"); not "louis" of "louise", another name."""
    return name.startswith(short) and (len(short) == 1 or len(name) - len(short) >= 3)


def first_names_differ(a: Contact, b: Contact) -> int:
    """How plainly two people's first names say they are two people: 0 when
    either has none, or they agree (equal, an initial or a short form of the
    other, "Jon" and "Jonathan", not "Louis" and "Louise"; or one's preferred name is the other's
    first name); 1 when they differ like a typo or a nickname ("Andrea",
    "Andrew"; "Bob", "Robert"); 2 when they differ outright ("John", "Mary"). Different suffixes (Jr, Sr) are 2."""
    from rapidfuzz import fuzz

    if a.kind != PERSON or b.kind != PERSON:
        return 0
    suffixes = fold(a.suffix or ""), fold(b.suffix or "")
    if all(suffixes) and suffixes[0] != suffixes[1]:
        return 2
    names_a, names_b = _first_names(a), _first_names(b)
    if not names_a or not names_b:
        return 0
    if any(x == y or _short_form(x, y) or _short_form(y, x) for x in names_a for y in names_b):
        return 0
    alike = max(fuzz.ratio(x, y) for x in names_a for y in names_b)
    if alike >= TYPO_ALIKE or any(_nicknames(x, y) for x in names_a for y in names_b):
        return 1
    return 2


@cache
def _nicknamer():
    from nicknames import NickNamer  # a hand-curated table of English names; loaded when first used

    return NickNamer()


def _nicknames(x: str, y: str) -> bool:
    """One name is a nickname of the other ("bob", "robert"). The table is
    generous ("andrea" for "andrew"), so this says "may be one name", as a
    typo does, never "the same name"."""
    namer = _nicknamer()
    return y in namer.nicknames_of(x) or x in namer.nicknames_of(y)


def evaluate(a: Contact, b: Contact) -> Candidate | None:
    """Score a pair (both with emails and phones loaded), or None when no rule pairs them.

    Scores: a shared email starts at 70, a shared phone at 55, and both add up
    to 30 for how alike the names are (a family sharing one address scores
    lower than one person entered twice); similar names alone score the name
    similarity less 10 at the same postcode, less 15 in the same household.
    The best rule counts, plus 5 for each further rule that also holds.

    Then first names: two people whose first names differ outright ("John"
    and "Mary" sharing a family email), or differ like a typo but live in one
    household ("Andrea" and "Andrew Wood": a household is made of different
    people), lose `DIFFERENT_PEOPLE` points, so they rank below people
    entered twice."""
    if a.id == b.id or a.kind != b.kind:
        return None
    if a.id > b.id:
        a, b = b, a
    emails_a = {e.email.lower() for e in a.emails}
    shared_emails = sorted(emails_a & {e.email.lower() for e in b.emails})
    shared_phones = sorted({p.number for p in a.phones} & {p.number for p in b.phones})
    similarity = name_similarity(a, b)
    alike = similarity >= NAME_THRESHOLD
    same_postcode = bool(a.postcode) and (a.postcode or "").upper() == (b.postcode or "").upper()
    same_household = bool(a.household_id) and a.household_id == b.household_id
    scores, reasons = [], []
    if shared_emails:
        scores.append(70 + similarity * 30 // 100)
        reasons.append("same email " + ", ".join(shared_emails[:3]))
    if shared_phones:
        scores.append(55 + similarity * 30 // 100)
        reasons.append("same phone " + ", ".join(phone_display(n) for n in shared_phones[:3]))
    name_rule = alike and (same_postcode or same_household)
    if name_rule:
        where = f"same postcode {a.postcode.upper()}" if same_postcode else "same household"
        scores.append(similarity - (10 if same_postcode else 15))
        reasons.append(f"names {similarity}% alike, {where}")
    elif alike and (shared_emails or shared_phones):
        reasons.append(f"names {similarity}% alike")
    if not scores:
        return None
    score = min(100, max(scores) + 5 * (len(scores) - 1))
    differ = first_names_differ(a, b)
    if differ == 2 or (differ == 1 and same_household):
        score = max(0, score - DIFFERENT_PEOPLE)
        reasons.append("different first names" + (" in one household" if same_household else ""))
    stage = "email" if shared_emails else "phone" if shared_phones else "name"
    return Candidate(a, b, score, reasons, stage, shared_emails, shared_phones)


# ---------------------------------------------------------------- loading
def _load(ids) -> dict[int, Contact]:
    ids = list(set(ids))
    if not ids:
        return {}
    rows = db.session.scalars(db.select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_(None))
                              .options(selectinload(Contact.emails), selectinload(Contact.phones))).all()
    return {c.id: c for c in rows}


def dismissed(pairs) -> set[tuple[int, int]]:
    """Which of `pairs` (lower id first) were marked "not a duplicate" (one query)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    firsts = {a for a, _ in pairs}
    rows = db.session.execute(db.select(DuplicateDismissal.contact_a_id, DuplicateDismissal.contact_b_id)
                              .where(DuplicateDismissal.contact_a_id.in_(firsts)))
    return {(a, b) for a, b in rows} & pairs


def _keep_new(found: list[Candidate]) -> list[Candidate]:
    hidden = dismissed(c.ids for c in found)
    return [c for c in found if c.ids not in hidden]


def _ranked(found: list[Candidate]) -> list[Candidate]:
    return sorted(found, key=lambda c: (-c.score, c.a.id, c.b.id))


# ---------------------------------------------------------------- one contact
def for_contact(contact: Contact, limit: int = CONTACT_LIMIT) -> list[Candidate]:
    """Likely duplicates of one contact, best first (indexed lookups only)."""
    live = Contact.deleted_at.is_(None)
    emails = {e.email for e in contact.emails} | {e.email.lower() for e in contact.emails}
    numbers = {p.number for p in contact.phones}
    others: set[int] = set()
    if emails:
        others |= set(db.session.scalars(db.select(ContactEmail.contact_id).where(
            ContactEmail.email.in_(emails)).limit(BLOCK_MAX)))
    if numbers:
        others |= set(db.session.scalars(db.select(ContactPhone.contact_id).where(
            ContactPhone.number.in_(numbers)).limit(BLOCK_MAX)))
    if contact.postcode:
        others |= set(db.session.scalars(db.select(Contact.id).where(
            Contact.postcode == contact.postcode.upper(), Contact.kind == contact.kind, live)
            .limit(BLOCK_MAX)))
    if contact.household_id:
        others |= set(db.session.scalars(db.select(Contact.id).where(
            Contact.household_id == contact.household_id, live).limit(BLOCK_MAX)))
    others.discard(contact.id)
    loaded = _load(others)
    found = [c for c in (evaluate(contact, other) for other in loaded.values()) if c is not None]
    return _ranked(_keep_new(found))[:limit]


def for_pair(a_id: int, b_id: int) -> Candidate | None:
    """The pair as a candidate now, or None (not alike, gone, or dismissed)."""
    loaded = _load([a_id, b_id])
    if len(loaded) != 2:
        return None
    cand = evaluate(loaded[a_id], loaded[b_id])
    return _keep_new([cand])[0] if cand is not None and _keep_new([cand]) else None


# ---------------------------------------------------------------- the queue
def encode_cursor(stage: str, key) -> str:
    raw = json.dumps([stage, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None) -> tuple[str, object] | None:
    """(stage, last block key) or None for the start; a bad token starts over."""
    if not token:
        return None
    try:
        stage, key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    # The key is compared with a column: a household id, or an email, phone or postcode.
    fits = parse_id(key) == key if stage == "household" else isinstance(key, str)
    return (stage, key) if stage in STAGES and fits else None


def _shared_blocks(model, key, after, limit: int):
    """Values of `key` (an email or phone column of `model`) that two or more
    live contacts share, after `after`, each with its contacts."""
    live = db.select(key).join(Contact, Contact.id == model.contact_id).where(Contact.deleted_at.is_(None))
    stmt = live.group_by(key).having(func.count(func.distinct(model.contact_id)) > 1).order_by(key).limit(limit)
    if after is not None:
        stmt = stmt.where(key > str(after))
    keys = db.session.scalars(stmt).all()
    if not keys:
        return []
    members = defaultdict(list)
    for contact_id, value in db.session.execute(live.with_only_columns(model.contact_id, key)
                                                .where(key.in_(keys))):
        if len(members[value]) < BLOCK_MAX and contact_id not in members[value]:
            members[value].append(contact_id)
    return [(k, members[k]) for k in keys]


def _email_blocks(after, limit: int):
    return _shared_blocks(ContactEmail, func.lower(ContactEmail.email), after, limit)


def _phone_blocks(after, limit: int):
    return _shared_blocks(ContactPhone, ContactPhone.number, after, limit)


def _column_blocks(column, after, limit: int):
    live = Contact.deleted_at.is_(None)
    stmt = (db.select(column).where(live, column.is_not(None)).group_by(column)
            .having(func.count(Contact.id) > 1).order_by(column).limit(limit))
    if after is not None:
        stmt = stmt.where(column > after)
    keys = db.session.scalars(stmt).all()
    if not keys:
        return []
    members = defaultdict(list)
    for contact_id, key in db.session.execute(db.select(Contact.id, column).where(column.in_(keys), live)
                                              .order_by(Contact.sort_name, Contact.id)):
        members[key].append(contact_id)
    return [(k, members[k]) for k in keys]


def _name_pairs(contacts: list[Contact]) -> list[tuple[Contact, Contact]]:
    """Pairs in one postcode or household whose names are alike enough."""
    from rapidfuzz import fuzz

    by_kind = defaultdict(list)
    for c in contacts:
        by_kind[c.kind].append(c)
    pairs = []
    for group in by_kind.values():
        blocks = [group]
        if len(group) > SUBBLOCK_OVER:
            split = defaultdict(list)
            for c in group:
                split[(c.sort_name or "")[:1]].append(c)
            blocks = list(split.values())
        for block in blocks:
            keyed = [(c, name_keys(c)) for c in block[:BLOCK_MAX]]
            for (x, kx), (y, ky) in combinations(keyed, 2):
                if any(fuzz.token_sort_ratio(p, q, score_cutoff=NAME_THRESHOLD) for p in kx for q in ky):
                    pairs.append((x, y))
    return pairs


def _stage_blocks(stage: str, after, limit: int):
    if stage == "email":
        return _email_blocks(after, limit)
    if stage == "phone":
        return _phone_blocks(after, limit)
    if stage == "postcode":
        return _column_blocks(Contact.postcode, after, limit)
    return _column_blocks(Contact.household_id, after, limit)


def _pairs_in_block(stage: str, key, contacts: list[Contact]) -> list[Candidate]:
    out = []
    if stage in ("email", "phone"):
        for x, y in combinations(contacts, 2):
            cand = evaluate(x, y)
            if cand is None or cand.stage != stage:
                continue
            shared = cand.shared_emails if stage == "email" else cand.shared_phones
            if shared and shared[0] == key:  # reported once, by the smallest shared value
                out.append(cand)
        return out
    for x, y in _name_pairs(contacts):
        cand = evaluate(x, y)
        if cand is None or cand.stage != "name":
            continue
        # A pair at the same postcode and in the same household: the postcode stage reports it.
        if stage == "household" and cand.a.postcode and cand.a.postcode == cand.b.postcode:
            continue
        out.append(cand)
    return out


@dataclass
class ScanPage:
    candidates: list[Candidate]
    next_cursor: str | None
    blocks: int  # how many blocks this page looked at
    stage: str  # where the page ended


def scan(cursor: str | None = None, *, blocks_per_page: int | None = None,
         pairs_per_page: int | None = None) -> ScanPage:
    """One page of the review queue, resuming after `cursor` (see the module docstring)."""
    blocks_per_page = blocks_per_page or BLOCKS_PER_PAGE
    pairs_per_page = pairs_per_page or PAIRS_PER_PAGE
    start = decode_cursor(cursor)
    stage_index, after = (STAGES.index(start[0]), start[1]) if start else (0, None)
    found: list[Candidate] = []
    looked = 0
    stage = STAGES[stage_index]
    while stage_index < len(STAGES):
        stage = STAGES[stage_index]
        blocks = _stage_blocks(stage, after, blocks_per_page - looked)
        loaded = _load(cid for _, members in blocks for cid in members)
        for key, members in blocks:
            contacts = [loaded[cid] for cid in members if cid in loaded]
            found.extend(_pairs_in_block(stage, key, contacts))
            looked += 1
            after = key
            if len(found) >= pairs_per_page or looked >= blocks_per_page:
                return ScanPage(_ranked(_keep_new(found)), encode_cursor(stage, after), looked, stage)
        # This stage has no more blocks: on to the next one.
        stage_index += 1
        after = None
    return ScanPage(_ranked(_keep_new(found)), None, looked, stage)


def stage_label(stage: str) -> str:
    return {"email": "shared emails", "phone": "shared phone numbers", "postcode": "names by postcode",
            "household": "names by household"}.get(stage, stage)


# ---------------------------------------------------------------- stored results of a full scan
def pairs_from(stored: list) -> list[Candidate]:
    """Candidates again from `[a_id, b_id, ...]` rows a job stored, checked
    against the data as it is now (merged, trashed and dismissed pairs drop out)."""
    ids = [(int(row[0]), int(row[1])) for row in stored]
    loaded = _load(i for pair in ids for i in pair)
    found = []
    for a, b in ids:
        if a in loaded and b in loaded:
            cand = evaluate(loaded[a], loaded[b])
            if cand is not None:
                found.append(cand)
    return _ranked(_keep_new(found))


def run_job(job, **_args) -> dict:
    """The background job "contacts.find_duplicates": every page of `scan`,
    keeping the best `JOB_KEEP` pairs. Safe to run again: it only reads."""
    from app.jobs import job_progress

    best: dict[tuple[int, int], tuple[int, list[str]]] = {}
    cursor, blocks, pages = None, 0, 0
    job_progress(job, 0, None, "Looking for duplicates")
    while True:
        page = scan(cursor)
        pages += 1
        blocks += page.blocks
        for cand in page.candidates:
            best[cand.ids] = (cand.score, cand.reasons)
        if len(best) > JOB_KEEP * 2:
            best = dict(sorted(best.items(), key=lambda kv: -kv[1][0])[:JOB_KEEP])
        job_progress(job, blocks, None, f"Looked at {blocks:,} groups ({stage_label(page.stage)}), "
                                         f"found {len(best):,} pairs")
        cursor = page.next_cursor
        if cursor is None:
            break
    top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:JOB_KEEP]
    return {"pairs": [[a, b, score, reasons] for (a, b), (score, reasons) in top],
            "blocks": blocks, "pages": pages, "found": len(best)}
