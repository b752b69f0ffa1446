"""Opportunities: create, edit, move between stages (winning and losing),
delete, and the board's numbers. Views, the seed and other modules share
these; each writes its audit entries and leaves the commit to the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, or_, type_coerce
from sqlalchemy.orm import joinedload

from app import audit
from app.dates import org_zone
from app.extensions import db
from app.ids import as_id
from app.models import User
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.pipeline import signals
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import LOST, OPEN, WON, LostReason, Opportunity, Pipeline, Stage, StageChange
from modules.pipeline.money import format_money, parse_amount

EDITABLE = ("name", "amount", "currency", "expected_close", "owner_id", "next_step", "notes", "contact_id")


class OpportunityError(ValueError):
    """What is wrong, for the person who asked; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Pipelines ------------------------------------------------------------------

def pipelines(*, archived: bool = False) -> list[Pipeline]:
    query = db.select(Pipeline).order_by(Pipeline.position, Pipeline.id)
    if not archived:
        query = query.where(Pipeline.archived.is_(False))
    return list(db.session.scalars(query))


def stages_by_pipeline() -> dict[int, list[Stage]]:
    """Every stage, grouped by pipeline and in board order (one query)."""
    grouped: dict[int, list[Stage]] = {}
    for stage in db.session.scalars(db.select(Stage).order_by(Stage.pipeline_id, Stage.position, Stage.id)):
        grouped.setdefault(stage.pipeline_id, []).append(stage)
    return grouped


def active_lost_reasons() -> list[LostReason]:
    return list(db.session.scalars(db.select(LostReason).where(LostReason.active.is_(True))
                                   .order_by(LostReason.position, LostReason.name)))


# --- Changing opportunities --------------------------------------------------------

def today() -> date:
    return datetime.now(org_zone()).date()


def _enter_stage(opp: Opportunity, stage: Stage, user, previous: Stage | None) -> None:
    now = utcnow()
    opp.stage = stage
    opp.stage_id = stage.id
    opp.stage_entered_at = now
    opp.closed_on = None if stage.outcome == OPEN else today()
    if stage.outcome != LOST:
        opp.lost_reason_id = None
        opp.lost_note = ""
    db.session.add(StageChange(opportunity_id=opp.id, contact_id=opp.contact_id,
                               from_stage_id=previous.id if previous else None, to_stage_id=stage.id,
                               at=now, user_id=getattr(user, "id", None)))
    signals.opportunity_stage_changed.send(opp, previous=previous, stage=stage, user=user)


def _check_lost(stage: Stage, lost_reason_id: int | None) -> None:
    if stage.outcome == LOST and not lost_reason_id:
        raise OpportunityError("Choose why it was lost.", "lost_reason")
    if lost_reason_id and db.session.get(LostReason, lost_reason_id) is None:
        raise OpportunityError("Choose one of the lost reasons.", "lost_reason")


def create(*, stage: Stage, contact_id: int, name: str, amount: Decimal, currency: str | None = None,
           expected_close: date | None = None, owner_id: int | None = None, next_step: str = "",
           notes: str = "", lost_reason_id: int | None = None, lost_note: str = "", user=None) -> Opportunity:
    _check_lost(stage, lost_reason_id)
    opp = Opportunity(pipeline_id=stage.pipeline_id, contact_id=contact_id, name=name.strip(), amount=amount,
                      currency=(currency or default_currency()).upper(), expected_close=expected_close,
                      owner_id=owner_id, next_step=next_step, notes=notes,
                      created_by_id=getattr(user, "id", None), stage_id=stage.id)
    db.session.add(opp)
    db.session.flush()
    _enter_stage(opp, stage, user, None)
    if stage.outcome == LOST:
        opp.lost_reason_id, opp.lost_note = lost_reason_id, lost_note
    db.session.flush()
    audit.record(audit.CREATE, opp, user=user,
                 summary=f"Opportunity {opp.name} ({format_money(amount, opp.currency)}) in {stage.name}")
    return opp


def update(opp: Opportunity, values: dict, *, user=None) -> dict:
    """Change the fields in `values` (see EDITABLE); the stage moves only
    through `move`. Returns the audited changes."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "currency" in values:
        values = {**values, "currency": (values["currency"] or default_currency()).upper()}
    changes = audit.diff(opp, values)
    if changes:
        audit.record(audit.UPDATE, opp, user=user, summary=f"Edited the opportunity {opp.name}", changes=changes)
    return changes


def move(opp: Opportunity, stage: Stage, *, user=None, lost_reason_id: int | None = None,
         lost_note: str = "") -> bool:
    """Move to `stage` (same pipeline). A lost stage needs a reason. Returns
    False when it was already there (nothing written)."""
    if stage.pipeline_id != opp.pipeline_id:
        raise OpportunityError("That stage belongs to another pipeline.", "stage")
    if stage.id == opp.stage_id and not (stage.outcome == LOST and lost_reason_id):
        return False
    _check_lost(stage, lost_reason_id)
    previous = opp.stage
    changes = {"stage": (previous.name, stage.name)}
    if stage.id != opp.stage_id:
        _enter_stage(opp, stage, user, previous)
    if stage.outcome == LOST:
        reason = db.session.get(LostReason, lost_reason_id)
        changes["lost_reason"] = (opp.lost_reason.name if opp.lost_reason else None, reason.name)
        opp.lost_reason_id, opp.lost_reason, opp.lost_note = reason.id, reason, lost_note.strip()
    db.session.flush()
    verb = {WON: "Won", LOST: "Lost"}.get(stage.outcome, "Moved")
    audit.record(audit.UPDATE, opp, user=user, summary=f"{verb}: {opp.name} to {stage.name}", changes=changes)
    return True


def delete(opp: Opportunity, *, user=None) -> None:
    audit.record(audit.DELETE, opp, user=user,
                 summary=f"Deleted the opportunity {opp.name} ({format_money(opp.amount, opp.currency)})",
                 changes={"name": (opp.name, None), "amount": (str(opp.amount), None)})
    db.session.delete(opp)
    db.session.flush()


# --- Reading ----------------------------------------------------------------------

def owner_name():
    """Load an opportunity's owner for showing their name: just the name, not
    their role and its permissions."""
    return joinedload(Opportunity.owner).load_only(User.id, User.name).lazyload(User.role)


def load(opportunity_id: int) -> Opportunity | None:
    return db.session.scalar(
        db.select(Opportunity).where(Opportunity.id == opportunity_id)
        .options(joinedload(Opportunity.stage), joinedload(Opportunity.pipeline),
                 joinedload(Opportunity.contact), owner_name(),
                 joinedload(Opportunity.lost_reason)))


def opportunities_for_contact(contact_id: int, limit: int = 5) -> list[Opportunity]:
    """The contact's opportunities for their page: open ones first (soonest
    close first), then the closed ones, newest first. Stage and pipeline loaded."""
    is_open = case((Stage.outcome == OPEN, 0), else_=1)
    return list(db.session.scalars(
        db.select(Opportunity).join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.contact_id == contact_id)
        .options(joinedload(Opportunity.stage), joinedload(Opportunity.pipeline))
        .order_by(is_open, Opportunity.expected_close.is_(None), Opportunity.expected_close,
                  Opportunity.id.desc())
        .limit(limit)))


@dataclass
class Total:
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


def cents(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def weighted_cents():
    """SUM(amount in cents × probability percent): exact integers, in
    ten-thousandths of the currency (`weighted_amount` divides)."""
    return func.sum(type_coerce(Opportunity.amount, BigInteger) * Stage.probability)


def weighted_amount(value) -> Decimal:
    return (Decimal(int(value or 0)) / 10000).quantize(Decimal("0.01"))


def stage_totals(pipeline_id: int) -> dict[int, list[Total]]:
    """{stage_id: [Total per currency]}: count, amount and weighted amount,
    from one GROUP BY query; the organisation's currency first."""
    rows = db.session.execute(
        db.select(Opportunity.stage_id, Opportunity.currency, func.count(Opportunity.id),
                  func.sum(type_coerce(Opportunity.amount, BigInteger)), weighted_cents())
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.pipeline_id == pipeline_id)
        .group_by(Opportunity.stage_id, Opportunity.currency)
        .order_by(Opportunity.stage_id, Opportunity.currency))
    totals: dict[int, list[Total]] = {}
    for stage_id, currency, count, amount, weighted in rows:
        totals.setdefault(stage_id, []).append(Total(currency, count, cents(amount), weighted_amount(weighted)))
    home = default_currency()
    for lines in totals.values():  # the organisation's currency first
        lines.sort(key=lambda t: (t.currency != home, t.currency))
    return totals


@dataclass
class Cursor:
    """Where a column's next cards start: after (amount, id), biggest first."""

    amount: Decimal
    id: int

    def __str__(self) -> str:
        return f"{self.amount}_{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        try:
            amount, _, ident = (text or "").partition("_")
            return cls(parse_amount(Decimal(amount), allow_zero=True), as_id(ident))  # machine text, not a locale's
        except (ArithmeticError, ValueError):
            return None


def stage_cards(stage_id: int, limit: int, after: Cursor | None = None) -> tuple[list[Opportunity], Cursor | None]:
    """A column's cards, biggest amount first, and the cursor for more (or None)."""
    query = (db.select(Opportunity).where(Opportunity.stage_id == stage_id)
             .options(joinedload(Opportunity.contact).load_only(Contact.id, Contact.display_name), owner_name())
             .order_by(Opportunity.amount.desc(), Opportunity.id.desc()).limit(limit + 1))
    if after is not None:
        query = query.where(or_(Opportunity.amount < after.amount,
                                (Opportunity.amount == after.amount) & (Opportunity.id < after.id)))
    cards = list(db.session.scalars(query).unique())
    more = len(cards) > limit
    cards = cards[:limit]
    return cards, (Cursor(cards[-1].amount, cards[-1].id) if more else None)


def board_cards(stages: list[Stage], limit: int) -> dict[int, tuple[list[Opportunity], Cursor | None]]:
    """The first `limit` cards of each column: one query per stage (a board
    has a handful), each an index range scan on (stage_id, amount, id)."""
    return {stage.id: stage_cards(stage.id, limit) for stage in stages}


@dataclass
class Stay:
    stage: str
    entered: datetime
    left: datetime | None
    by: str

    @property
    def days(self) -> int:
        end = self.left or utcnow()
        return max(0, (end - self.entered).days)


def history(opp: Opportunity) -> list[Stay]:
    """Each stage the opportunity has been in, oldest first, with how long."""
    changes = list(db.session.scalars(
        db.select(StageChange).where(StageChange.opportunity_id == opp.id)
        .options(joinedload(StageChange.to_stage), joinedload(StageChange.user))
        .order_by(StageChange.at, StageChange.id)))
    stays = []
    for i, change in enumerate(changes):
        left = changes[i + 1].at if i + 1 < len(changes) else None
        stays.append(Stay(change.to_stage.name if change.to_stage else "(a deleted stage)", change.at, left,
                          change.user.name if change.user else ""))
    return stays
