"""Loading pledges and recurring gifts for their pages: one record with what
its page names, or one page of their list."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.ids import as_id
from app.paging import Page, keyset

Record = TypeVar("Record")


def with_donor_or_none(model: type[Record], record_id: int) -> Record | None:
    """The `model` row (a pledge or a recurring gift) with its contact, fund
    and appeal joined in the same query, since its page and every action on it
    name them."""
    return db.session.scalar(select(model).where(model.id == record_id)
                             .options(joinedload(model.contact), joinedload(model.fund),
                                      joinedload(model.appeal)))


def with_donor_or_404(model: type[Record], record_id: int) -> Record:
    """`with_donor_or_none`, or 404 when there is none."""
    record = with_donor_or_none(model, record_id)
    if record is None:
        abort(404)
    return record


def newest_first_page(model, statuses: dict[str, str], default_status: str) -> tuple[Page, str]:
    """One keyset page of `model` rows with their contact, newest first: in
    the status `?status=` names (`default_status` when absent, every status
    for any other value) and of the donor `?contact=` names, if any. Returns
    the page and the status shown ("" for all)."""
    status = request.args.get("status", default_status)
    stmt = select(model).options(joinedload(model.contact))
    if status in statuses:
        stmt = stmt.where(model.status == status)
    else:
        status = ""
    contact_id = request.args.get("contact", type=as_id)
    if contact_id:
        stmt = stmt.where(model.contact_id == contact_id)
    return keyset(stmt, model.id, newest_first=True), status
