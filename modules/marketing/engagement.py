"""Engagement decay's rollup (marketing_engagement_step): per step of a
person's campaign history, the messages sent and how many of them a person
opened and clicked. A step is the message's place among the person's sent
campaign messages in sending order (`by` "sequence": 1st, 2nd…) or the
calendar months since their first ("months": 0, 1…). Drip sequences' steps
and messages whose contact is gone do not count, as in the report.

A person's rows in the rollup depend on all of their messages, so a write
takes the contribution of the contacts it touches before and adds the
difference after (`Change`): a merge (contact_hooks.merge). Sending a
batch (sending/job.py) only appends each person's newest message, unopened:
`Sent` reads each person's count and first month before and adds one step
after, without rereading their whole history. A message's first open by a person or first click
adds one at its steps (`engaged`, from tracking/record.py). Contacts
purged for good leave it (`contacts_purged` comes before the delete).
Two writers touching one person at the same moment can each miss the
other's uncommitted rows; `flask reports rebuild` sets any such drift right.
Erasure keeps the message rows and their contact, so it changes nothing.

`rebuild()` (`flask reports rebuild`) recomputes it from the recipients in
one pass; `in_step()` says whether it equals that recomputation. Until an
install with a history has rebuilt it once (EngagementState), writers
leave it alone and the report reads the recipients; an install whose
first campaign is being sent starts it by itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from modules.contacts import signals as contact_signals
from modules.marketing.campaign_models import (
    SENT_ROW,
    SEQUENCE_STEP,
    Campaign,
    EngagementState,
    EngagementStep,
    Recipient,
)
from modules.marketing.reports import flags

BY_SEQUENCE, BY_MONTHS = "sequence", "months"
CHUNK = 500  # contacts per query
FIELDS = ("by", "step", "recipients", "opened", "clicked")

Tally = dict[tuple[str, int], list[int]]  # (by, step) -> [recipients, opened, clicked]


def _counted(*columns):
    """The messages that count, in each person's sending order."""
    return (select(*columns).join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Recipient.status == SENT_ROW, Recipient.contact_id.is_not(None), Recipient.sent_at.is_not(None),
                   Campaign.status != SEQUENCE_STEP)
            .order_by(Recipient.contact_id, Recipient.sent_at, Recipient.id))


def _history(*conditions):
    """Counted messages with their opened/clicked flags."""
    return _counted(Recipient.contact_id, Recipient.sent_at, flags.happened("open_human"),
                    flags.clicked()).where(*conditions)


def _month(moment) -> int:
    return moment.year * 12 + moment.month


def _new_tally() -> Tally:
    return defaultdict(lambda: [0, 0, 0])


def _tally(rows, out: Tally) -> Tally:
    """Adds rows of `_history` (grouped by contact, in order) to `out`."""
    contact, n, first = None, 0, 0
    for contact_id, sent_at, opened, clicked in rows:
        month = _month(sent_at)
        if contact_id != contact:
            contact, n, first = contact_id, 0, month
        n += 1
        for key in ((BY_SEQUENCE, n), (BY_MONTHS, month - first)):
            entry = out[key]
            entry[0] += 1
            entry[1] += bool(opened)
            entry[2] += bool(clicked)
    return out


def contribution(contact_ids: Iterable[int]) -> Tally:
    """What these contacts' messages add to the rollup, as the data stands."""
    ids = sorted(set(contact_ids) - {None})
    out = _new_tally()
    for start in range(0, len(ids), CHUNK):
        _tally(db.session.execute(_history(Recipient.contact_id.in_(ids[start:start + CHUNK]))), out)
    return out


def built() -> bool:
    return db.session.get(EngagementState, 1) is not None


def _kept() -> bool:
    """Whether writers keep the rollup: it was built, or it starts now
    because no message has been counted yet (a new install)."""
    if built():
        return True
    if db.session.execute(_history().limit(1)).first() is not None:
        return False  # a history from before the rollup: `rebuild()` starts it
    db.session.add(EngagementState(id=1))
    db.session.flush()
    return True


def _apply(delta: Tally) -> None:
    rows = [{"by": by, "step": step, "recipients": r, "opened": o, "clicked": c}
            for (by, step), (r, o, c) in delta.items() if r or o or c]
    if not rows:
        return
    table = EngagementStep.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["by", "step"], set_={
        name: table.c[name] + stmt.excluded[name] for name in ("recipients", "opened", "clicked")})
    db.session.execute(stmt, rows)


class Change:
    """The contribution of some contacts before a write; `done()`, after
    the write and in its transaction, adds the difference."""

    def __init__(self, contact_ids: Iterable[int]):
        self.ids = sorted(set(contact_ids) - {None})
        self.before = contribution(self.ids) if self.ids and _kept() else None

    def done(self) -> None:
        if self.before is None:
            return
        delta = contribution(self.ids)
        for key, (r, o, c) in self.before.items():
            entry = delta[key]
            entry[0] -= r
            entry[1] -= o
            entry[2] -= c
        _apply(delta)
        self.before = None


class Sent:
    """A batch about to be sent: each message sent now is its person's
    newest, so it lands at the step after their last one and at the month
    since their first, with nothing opened or clicked yet. `done(rows)`,
    after the send and in its transaction, adds the rows that were sent."""

    def __init__(self, contact_ids: Iterable[int]):
        ids = sorted(set(contact_ids) - {None})
        self.before: dict[int, tuple[int, object]] | None = None  # contact -> (messages, first sent_at)
        if ids and _kept():
            self.before = {}
            for start in range(0, len(ids), CHUNK):
                self.before.update((contact_id, (n, first)) for contact_id, n, first in db.session.execute(
                    _counted(Recipient.contact_id, func.count(), func.min(Recipient.sent_at)).order_by(None)
                    .where(Recipient.contact_id.in_(ids[start:start + CHUNK])).group_by(Recipient.contact_id)))

    def done(self, rows: Iterable[Recipient]) -> None:
        if self.before is None:
            return
        delta = _new_tally()
        sent = sorted((r for r in rows if r.status == SENT_ROW and r.contact_id is not None and r.sent_at),
                      key=lambda r: (r.sent_at, r.id))
        for row in sent:
            n, first = self.before.get(row.contact_id, (0, None))
            first = first or row.sent_at
            self.before[row.contact_id] = (n + 1, first)
            delta[(BY_SEQUENCE, n + 1)][0] += 1
            delta[(BY_MONTHS, _month(row.sent_at) - _month(first))][0] += 1
        _apply(delta)
        self.before = None


def engaged(recipient_id: int, opened: int = 0, clicked: int = 0) -> None:
    """A message's first open by a person, or its first click, counts at
    the message's steps (the caller made sure it is the first)."""
    if not built():
        return
    contact_id = db.session.scalar(select(Recipient.contact_id).where(Recipient.id == recipient_id))
    if contact_id is None:
        return
    history = db.session.execute(_counted(Recipient.id, Recipient.sent_at)
                                 .where(Recipient.contact_id == contact_id)).all()
    for n, (row_id, sent_at) in enumerate(history, 1):
        if row_id == recipient_id:
            _apply({(BY_SEQUENCE, n): [0, opened, clicked],
                    (BY_MONTHS, _month(sent_at) - _month(history[0].sent_at)): [0, opened, clicked]})
            return


def forget(contact_ids: Iterable[int]) -> None:
    """These contacts' messages leave the rollup (they are being purged)."""
    ids = sorted(set(contact_ids) - {None})
    if ids and built():
        _apply({key: [-r, -o, -c] for key, (r, o, c) in contribution(ids).items()})


def _purged(contact_ids, **_) -> None:
    from flask import current_app

    state = current_app.extensions.get("steward")
    if contact_ids and state is not None and any(m.name == "marketing" for m in state.enabled):
        forget(contact_ids)


contact_signals.contacts_purged.connect(_purged)


def steps(by: str) -> list[tuple[int, int, int, int]]:
    """(step, recipients, opened, clicked) in step order, from the rollup."""
    return [tuple(row) for row in db.session.execute(
        select(EngagementStep.step, EngagementStep.recipients, EngagementStep.opened, EngagementStep.clicked)
        .where(EngagementStep.by == by, EngagementStep.recipients > 0).order_by(EngagementStep.step))]


def recomputed() -> set[tuple]:
    """What the rollup should hold: one pass over every counted message."""
    out = _tally(db.session.execute(_history().execution_options(yield_per=10_000)), _new_tally())
    return {(by, step, *values) for (by, step), values in out.items() if values[0]}


def stored() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(
        select(*(EngagementStep.__table__.c[name] for name in FIELDS))
        .where((EngagementStep.recipients != 0) | (EngagementStep.opened != 0) | (EngagementStep.clicked != 0)))}


def in_step() -> bool:
    return built() and stored() == recomputed()


def rebuild() -> int:
    """Recompute the rollup from the recipients; returns its rows."""
    rows = recomputed()
    db.session.execute(delete(EngagementStep))
    if rows:
        db.session.execute(EngagementStep.__table__.insert(), [dict(zip(FIELDS, row, strict=True)) for row in rows])
    if not built():
        db.session.add(EngagementState(id=1))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(EngagementStep))
