"""The pipeline & giving module's tables.

Pipelines of opportunities (stages, stage history, lost reasons) and the
giving record (funds, appeals, gifts with soft credits and tributes, pledges
with their installments, recurring gifts, receipt templates and the record of
what was acknowledged). Amounts are `Money` (exact Decimals, see money.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from modules.pipeline.money import Money

OPEN, WON, LOST = "open", "won", "lost"
OUTCOMES = (OPEN, WON, LOST)


class Pipeline(db.Model):
    __tablename__ = "pipeline_pipeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # A won opportunity in a "giving" pipeline (major gifts, grants) offers
    # to record the gift or pledge; a "sales" pipeline does not.
    records_gifts: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stages: Mapped[list[Stage]] = relationship(
        back_populates="pipeline", order_by="Stage.position", cascade="all, delete-orphan")


class Stage(db.Model):
    __tablename__ = "pipeline_stage"
    __table_args__ = (UniqueConstraint("pipeline_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline_pipeline.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)  # percent, 0-100
    outcome: Mapped[str] = mapped_column(String(10), default=OPEN)  # open, won, lost

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages")


class LostReason(db.Model):
    __tablename__ = "pipeline_lost_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Opportunity(db.Model):
    __tablename__ = "pipeline_opportunity"
    __table_args__ = (
        # The board: a stage's cards, biggest first; the list: by close date.
        Index("ix_pipeline_opportunity_board", "stage_id", "amount", "id"),
        Index("ix_pipeline_opportunity_pipeline_close", "pipeline_id", "expected_close", "id"),
        Index("ix_pipeline_opportunity_owner_close", "owner_id", "expected_close", "id"),
        Index("ix_pipeline_opportunity_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline_pipeline.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stage.id", ondelete="RESTRICT"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    next_step: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Set when the stage's outcome is won/lost; cleared when it reopens.
    closed_on: Mapped[date | None] = mapped_column(Date)
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_lost_reason.id", ondelete="SET NULL"))
    lost_note: Mapped[str] = mapped_column(Text, default="")
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    pipeline: Mapped[Pipeline] = relationship()
    stage: Mapped[Stage] = relationship()
    contact = relationship("Contact")
    owner = relationship("User", foreign_keys=[owner_id])
    lost_reason: Mapped[LostReason | None] = relationship()


class StageChange(db.Model):
    """One move of an opportunity; the first row has no `from_stage_id`.
    Time in a stage is the gap to the next change."""

    __tablename__ = "pipeline_stage_change"
    __table_args__ = (Index("ix_pipeline_stage_change_opportunity", "opportunity_id", "at", "id"),
                      Index("ix_pipeline_stage_change_contact", "contact_id", "at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("pipeline_opportunity.id", ondelete="CASCADE"))
    # Copied from the opportunity so the contact's timeline needs no join.
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_stage.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_stage.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage | None] = relationship(foreign_keys=[to_stage_id])
    user = relationship("User")


class Fund(db.Model):
    """Where money goes: a fund or designation ("General", "Building fund")."""

    __tablename__ = "pipeline_fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # How letters name it in a sentence ("to our scholarship programme"):
    # the merge field gift.fund; empty means the fund's name.
    in_letters: Mapped[str] = mapped_column(String(200), default="")

    @property
    def letter_wording(self) -> str:
        return (self.in_letters or "").strip() or self.name


class Appeal(db.Model):
    """What asked for it: a campaign or appeal ("Spring 2026 letter")."""

    __tablename__ = "pipeline_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


PAYMENT_METHODS = {"cash": "Cash", "cheque": "Cheque", "card": "Card", "bank": "Bank transfer",
                   "direct_debit": "Direct debit", "online": "Online", "stock": "Stock", "other": "Other"}
TRIBUTE_KINDS = {"honour": "In honour of", "memory": "In memory of"}
FREQUENCIES = {"monthly": "Monthly", "quarterly": "Quarterly", "yearly": "Yearly"}


class Pledge(db.Model):
    """A promise to give `amount` over an installment schedule; gifts with
    `pledge_id` pay it."""

    __tablename__ = "pipeline_pledge"
    __table_args__ = (Index("ix_pipeline_pledge_contact", "contact_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    pledged_on: Mapped[date] = mapped_column(Date)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_fund.id", ondelete="SET NULL"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_appeal.id", ondelete="SET NULL"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_opportunity.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, fulfilled, cancelled
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    contact = relationship("Contact")
    fund: Mapped[Fund | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()
    installments: Mapped[list[PledgeInstallment]] = relationship(
        back_populates="pledge", order_by="PledgeInstallment.due_on", cascade="all, delete-orphan")


class PledgeInstallment(db.Model):
    __tablename__ = "pipeline_pledge_installment"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pipeline_pledge.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)

    pledge: Mapped[Pledge] = relationship(back_populates="installments")


class RecurringGift(db.Model):
    """A standing order: `amount` every period from `starts_on`; gifts with
    `recurring_id` are the installments received."""

    __tablename__ = "pipeline_recurring"
    __table_args__ = (Index("ix_pipeline_recurring_contact", "contact_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    frequency: Mapped[str] = mapped_column(String(20))  # monthly, quarterly, yearly
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_fund.id", ondelete="SET NULL"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_appeal.id", ondelete="SET NULL"))
    payment_method: Mapped[str] = mapped_column(String(20), default="direct_debit")
    reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, paused, ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    contact = relationship("Contact")
    fund: Mapped[Fund | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()


class GiftImport(db.Model):
    """One gift import, from upload to summary (and undo). The file is kept
    in the database so a worker on another host can read it; the contacts it
    created are listed so that undo removes them with the gifts."""

    __tablename__ = "pipeline_gift_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only by the job
    # The first data rows as the upload read them ([[line, [cells]], ...]), for
    # the mapping and preview pages, which never read the file itself.
    sample: Mapped[list | None] = mapped_column(JSON)
    # reading (big files: the worker reads them), refused, uploaded, queued, running, finished,
    # failed, undone
    status: Mapped[str] = mapped_column(String(20), default="uploaded")
    problem: Mapped[str | None] = mapped_column(String(500))  # why a refused file cannot be imported
    encoding: Mapped[str | None] = mapped_column(String(40))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # {header: field key}
    match_rule: Mapped[str] = mapped_column(String(20), default="email")  # email, name_postcode
    create_donors: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    donors_created: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_contact_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The unknown-values step: {"fund"|"appeal"|"payment_method": {folded value: "create" | "use:<id or code>"}}
    # as chosen in the preview (or by the CLI's --create-funds), and the funds
    # and appeals the run created ({"fund": [ids], "appeal": [ids]}), which undo removes if unused.
    value_choices: Mapped[dict | None] = mapped_column(JSON, default=dict)
    created_values: Mapped[dict | None] = mapped_column(JSON, default=dict)
    failures_csv: Mapped[bytes | None] = mapped_column(LargeBinary)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Gift(db.Model):
    __tablename__ = "pipeline_gift"
    __table_args__ = (
        # The donor's giving panel and "gave in a date range" filters.
        Index("ix_pipeline_gift_contact_date", "contact_id", "received_on"),
        # Reports and LYBUNT/SYBUNT: gifts in a period, by donor.
        Index("ix_pipeline_gift_date_contact", "received_on", "contact_id"),
        # Sums over a period in one currency from the index alone (no table row
        # read per gift): the dashboard's monthly chart, "total given" filters.
        Index("ix_pipeline_gift_currency_date", "currency", "received_on", "contact_id", "amount"),
        Index("ix_pipeline_gift_fund_date", "fund_id", "received_on"),
        Index("ix_pipeline_gift_appeal_date", "appeal_id", "received_on"),
        # Gifts waiting for a thank-you; the dashboard widget's sums come from the index alone.
        Index("ix_pipeline_gift_unacknowledged", "acknowledged_at", "received_on", "currency", "amount", "contact_id"),
        Index("ix_pipeline_gift_pledge", "pledge_id"),
        Index("ix_pipeline_gift_recurring", "recurring_id", "received_on"),
        # Foreign keys a delete elsewhere must look up: without these, every
        # contact or opportunity deleted (purge, merge, import undo) scans gifts.
        Index("ix_pipeline_gift_tribute_notify", "tribute_notify_id"),
        Index("ix_pipeline_gift_opportunity", "opportunity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_fund.id", ondelete="SET NULL"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_appeal.id", ondelete="SET NULL"))
    payment_method: Mapped[str] = mapped_column(String(20), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    in_kind: Mapped[bool] = mapped_column(Boolean, default=False)
    in_kind_description: Mapped[str] = mapped_column(Text, default="")
    # A tribute: in honour or in memory of someone; `tribute_notify_id` is
    # the contact told about it (a family member), who gets a letter.
    tribute_kind: Mapped[str] = mapped_column(String(10), default="")  # "", honour, memory
    tribute_name: Mapped[str] = mapped_column(String(200), default="")
    tribute_notify_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"))
    tribute_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_pledge.id", ondelete="SET NULL"))
    recurring_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_recurring.id", ondelete="SET NULL"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_opportunity.id", ondelete="SET NULL"))
    # The gift import that created it, for undo.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_gift_import.id", ondelete="SET NULL"),
                                                  index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first accounting export (journal CSV) that carried it; exports are
    # never deleted, so no foreign key (SQLite adds one only by copying the table).
    accounting_export_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    contact = relationship("Contact", foreign_keys=[contact_id])
    tribute_notify = relationship("Contact", foreign_keys=[tribute_notify_id])
    fund: Mapped[Fund | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()
    pledge: Mapped[Pledge | None] = relationship()
    recurring: Mapped[RecurringGift | None] = relationship()
    soft_credits: Mapped[list[SoftCredit]] = relationship(
        back_populates="gift", cascade="all, delete-orphan", order_by="SoftCredit.id")
    # The thank-you letter's receipt number, once one was produced (receipts/numbers.py).
    receipt: Mapped[ReceiptNumber | None] = relationship(viewonly=True, uselist=False)


class SoftCredit(db.Model):
    """Recognition of a gift for someone who did not pay it: a spouse, the
    household, the board member who asked. Not counted in the donor's totals."""

    __tablename__ = "pipeline_soft_credit"
    __table_args__ = (UniqueConstraint("gift_id", "contact_id"),
                      Index("ix_pipeline_soft_credit_contact", "contact_id"))

    ROLES = {"spouse": "Spouse", "household": "Household", "solicitor": "Solicitor", "other": "Other"}

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    role: Mapped[str] = mapped_column(String(20), default="other")

    gift: Mapped[Gift] = relationship(back_populates="soft_credits")
    contact = relationship("Contact")


class ReceiptTemplate(db.Model):
    """A letter administrators edit: `kind` is thank_you (one gift),
    statement (a donor's year) or tribute (to the person notified). `body`
    is Markdown or HTML (`format`), rendered by app.templating.render_html:
    converted, filled in the sandbox, sanitised."""

    __tablename__ = "pipeline_receipt_template"

    KINDS = {"thank_you": "Thank-you letter", "statement": "Year-end statement", "tribute": "Tribute notification"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Templates made before formats existed are HTML (the migration's server default).
    format: Mapped[str] = mapped_column(String(10), default="markdown", server_default="html")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GiftDay(db.Model):
    """The sum and number of gifts received on one day in one currency: the
    dashboard chart reads these instead of the gifts. Kept by the gift
    service on every write (see gift_rollup.py); never edited by hand."""

    __tablename__ = "pipeline_gift_day"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    total: Mapped[Decimal] = mapped_column(Money)
    gifts: Mapped[int] = mapped_column(Integer)


class GiftFundDay(db.Model):
    """The sum and number of gifts received on one day in one currency for
    one fund and appeal (0: none), which the giving-by-fund, by-appeal and
    by-month reports read instead of the gifts. Kept with `GiftDay` by the
    same writes (gift_rollup.Changes); never edited by hand."""

    __tablename__ = "pipeline_gift_fund_day"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    fund_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    appeal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    total: Mapped[Decimal] = mapped_column(Money)
    gifts: Mapped[int] = mapped_column(Integer)


class GiftAmountDay(db.Model):
    """How many gifts of each amount were received on one day in one
    currency: the average and median gift read these (a few dozen amounts
    a day) instead of sorting a year of gifts. Kept with `GiftDay` by the
    same writes (gift_rollup.Changes); never edited by hand."""

    __tablename__ = "pipeline_gift_amount_day"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money, primary_key=True)
    gifts: Mapped[int] = mapped_column(Integer)


class DonorYear(db.Model):
    """One donor's fiscal year with a gift they paid, for the retention
    reports: how many gifts (any currency), whether it was their first year
    of giving, and whether they gave again the next year. Fiscal years are
    counted from `start_month`, the setting the table was built for
    (`DonorYearState`); kept by the gift service per donor touched (see
    donor_years.py); never edited by hand."""

    __tablename__ = "pipeline_donor_year"

    start_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"),
                                            primary_key=True)
    gifts: Mapped[int] = mapped_column(Integer)
    first: Mapped[bool] = mapped_column(Boolean)  # no gift in any earlier year
    again: Mapped[bool] = mapped_column(Boolean)  # a gift in the next year
    next_year: Mapped[int | None] = mapped_column(Integer)  # the next year with a gift, if any
    # In the organisation's currency (`DonorYearState.currency`): this year, and every year up to this one.
    total: Mapped[Decimal] = mapped_column(Money)
    to_date: Mapped[Decimal] = mapped_column(Money)
    gifts_to_date: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_pipeline_donor_year_contact", "contact_id"),
                      # The LYBUNT and SYBUNT lists: a year's donors, and everyone's giving to date, biggest first.
                      Index("ix_pipeline_donor_year_total", "start_month", "year", "total", "contact_id"),
                      Index("ix_pipeline_donor_year_to_date", "start_month", "to_date", "contact_id"))


class DonorYearTotal(db.Model):
    """pipeline_donor_year summed per (start month, year, next year, first
    year or not): a few dozen rows that donor retention, conversion and the
    LYBUNT and SYBUNT totals read instead of a year's donors. `next_year`
    0 stands for "none yet". Kept with pipeline_donor_year (donor_years.py)."""

    __tablename__ = "pipeline_donor_year_total"

    start_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    donors: Mapped[int] = mapped_column(Integer)
    multi: Mapped[int] = mapped_column(Integer)  # donors with two gifts or more that year
    gifts: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money)
    gifts_to_date: Mapped[int] = mapped_column(Integer)
    to_date: Mapped[Decimal] = mapped_column(Money)


class DonorYearState(db.Model):
    """The fiscal-year start month and the currency pipeline_donor_year was
    built for (one row). When the setting changes, the reports read the gifts instead until
    `flask reports rebuild` builds the table again."""

    __tablename__ = "pipeline_donor_year_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_month: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))


class Acknowledgement(db.Model):
    """A letter produced: for one gift (thank-you, tribute) or a donor's
    year (statement, `year` set). `channel` is email or download."""

    __tablename__ = "pipeline_acknowledgement"
    __table_args__ = (Index("ix_pipeline_acknowledgement_contact", "contact_id", "created_at"),
                      Index("ix_pipeline_acknowledgement_gift", "gift_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="CASCADE"))
    year: Mapped[int | None] = mapped_column(Integer)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_receipt_template.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("core_mail_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))


class ReceiptCounter(db.Model):
    """The last receipt number given in a calendar year. Locked while a
    number is taken (receipts/numbers.py), so concurrent runs never take the
    same one and a rolled-back run gives its numbers back (no gap)."""

    __tablename__ = "pipeline_receipt_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ReceiptNumber(db.Model):
    """The number of a gift's thank-you letter (receipt): "2026-000042".
    The year is the year the gift was received. A row is never deleted:
    deleting the gift leaves it with no gift, so its number is never used
    again."""

    __tablename__ = "pipeline_receipt_number"
    __table_args__ = (UniqueConstraint("year", "number"), UniqueConstraint("gift_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def text(self) -> str:
        return format_receipt_number(self.year, self.number)


def format_receipt_number(year: int, number: int) -> str:
    return f"{year}-{number:06d}"


class GiftExternalId(db.Model):
    """A gift's id in another system (`system` "stripe", `value` "pi_..."),
    the shape of contacts' external ids: one per system per gift, and each
    id names one gift (a retried sync finds the gift it made)."""

    __tablename__ = "pipeline_gift_external_id"
    __table_args__ = (UniqueConstraint("system", "value"), UniqueConstraint("gift_id", "system"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))


# Purging contacts removes their gifts by ON DELETE CASCADE, past the gift
# service: the rollup listens for it, from the moment the models load (they
# load whenever the module is enabled).
from modules.pipeline import gift_rollup  # noqa: E402, F401
from modules.pipeline.accounting.models import AccountingExport  # noqa: E402, F401
from modules.pipeline.stripe.models import StripeEvent, StripePayment  # noqa: E402, F401
