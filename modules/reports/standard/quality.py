"""Data quality: live contacts with no email address, with no postal
address, with neither, and likely duplicates. Duplicates come from the
contacts module's duplicate finder (modules/contacts/dedupe/duplicates.py):
the pairs its last full scan (a background job) kept."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Job
from app.permissions import can
from app.reporting.results import Column, Result
from app.reporting.standard import Table
from modules.contacts.models import Contact, ContactAddress

SCAN_KIND = "contacts.find_duplicates"


def _likely_duplicates() -> tuple[int | None, str]:
    """(pairs, how they were counted): the pairs the last full scan kept.
    A live scan costs seconds at a million contacts, so it is left to the
    duplicates page and its background scan."""
    job = db.session.scalar(select(Job).where(Job.kind == SCAN_KIND, Job.status == Job.FINISHED)
                            .order_by(Job.id.desc()).limit(1))
    if job is None:
        return None, "no full duplicate scan has run yet: start one from the duplicates page"
    pairs = (job.result or {}).get("pairs", [])
    when = job.finished_at.date().isoformat() if getattr(job, "finished_at", None) else "its last run"
    return len(pairs), f"found by the full duplicate scan of {when} (some may have been merged since)"


def quality(values: dict) -> list[Table]:
    # Counted from indexes where they serve: the live contacts from (deleted_at, ...), those with an
    # address from contacts_address(contact_id), and only the ones without email probed for an address.
    live = Contact.deleted_at.is_(None)
    no_email = or_(Contact.email.is_(None), Contact.email == "")
    trashed = select(Contact.id).where(Contact.deleted_at.is_not(None))
    has_address = select(ContactAddress.id).where(ContactAddress.contact_id == Contact.id).exists()
    total = db.session.scalar(select(func.count()).select_from(Contact).where(live))
    missing_email = db.session.scalar(select(func.count()).select_from(Contact).where(live, no_email))
    with_address = db.session.scalar(select(func.count(func.distinct(ContactAddress.contact_id)))
                                     .where(ContactAddress.contact_id.not_in(trashed)))
    missing_address = total - with_address
    missing_both = db.session.scalar(select(func.count()).select_from(Contact).where(live, no_email, ~has_address))
    pairs, how = _likely_duplicates()

    def share(n):
        from decimal import ROUND_HALF_UP, Decimal

        return (Decimal(n) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP) if total else None

    rows = [("No email address", missing_email, share(missing_email)),
            ("No postal address", missing_address, share(missing_address)),
            ("Neither email nor postal address", missing_both, share(missing_both)),
            ("Likely duplicate pairs", pairs, None)]
    drill = [url_for("contacts.index", f=["has_email:no:"]), url_for("contacts.index", f=["has_address:no:"]),
             url_for("contacts.index", f=["has_email:no:", "has_address:no:"]),
             url_for("contacts.duplicates_queue") if can("contacts.edit") else None]
    result = Result([Column("problem", "Problem"), Column("contacts", "Contacts", "number"),
                     Column("share", "Share of contacts", "percent")], rows, drill)
    result.notes.append(f"{total:,} contacts, not counting the trash. Duplicate pairs: {how}.")
    return [Table("Data quality", result, drill_column="contacts")]
