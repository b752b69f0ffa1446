"""One journal export: its range, shape, totals and who made it. A gift
names the first export that carried it (`Gift.accounting_export_id`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class AccountingExport(db.Model):
    __tablename__ = "pipeline_accounting_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    shape: Mapped[str] = mapped_column(String(20))  # quickbooks, xero
    currency: Mapped[str] = mapped_column(String(3))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    only_new: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_count: Mapped[int] = mapped_column(Integer, default=0)
    newly_exported: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[str] = mapped_column(String(30), default="0.00")  # exact decimal, as text
    accounts: Mapped[dict] = mapped_column(JSON, default=dict)  # the mapping used, for the record
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    @property
    def total_amount(self) -> Decimal:
        return Decimal(self.total)
