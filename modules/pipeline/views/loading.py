"""Loading one giving record for its page and its actions."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db

Record = TypeVar("Record")


def with_donor_or_404(model: type[Record], record_id: int) -> Record:
    """The `model` row (a pledge or a recurring gift) with its contact, fund
    and appeal joined in the same query, since its page and every action on it
    name them; 404 when there is none."""
    record = db.session.scalar(select(model).where(model.id == record_id)
                               .options(joinedload(model.contact), joinedload(model.fund),
                                        joinedload(model.appeal)))
    if record is None:
        abort(404)
    return record
