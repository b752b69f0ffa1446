"""Send the report schedules that are due (the recurring schedule
"reports.deliveries", app/schedules.py, calls `run`).

Each due schedule runs in its own savepoint: the report is run as its
owner would see it (the owner still needs reports.schedule and the
source's permission), written as PDF or XLSX, and stored in the outbox
once per recipient; the core mail service delivers it on RQ. A failure
rolls that schedule's work back, records the error and tries again after
a backoff that doubles up to a day; it is never dropped, and admins see
it on the schedules page."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import mail
from app.extensions import db
from app.models.base import utcnow
from app.permissions import role_permissions
from app.reporting.sources import all_sources
from app.schedules import Ran
from modules.contacts import hooks
from modules.reports import charts, exports, query
from modules.reports.delivery.due import next_due
from modules.reports.models import ReportSchedule
from modules.reports.spec import parse

log = logging.getLogger(__name__)

NAME = "reports.deliveries"
FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(days=1)


class DeliveryProblem(Exception):
    """Why a schedule could not send (shown to admins as its last error)."""


def backoff(failures: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(failures - 1, 0), LONGEST_WAIT)


def attachment(schedule: ReportSchedule) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of the report as its owner sees it."""
    report, owner = schedule.report, schedule.owner
    if owner is None or not owner.active:
        raise DeliveryProblem("The schedule's owner no longer has an active account.")
    perms = role_permissions(owner.role)
    if "reports.schedule" not in perms and "reports.admin" not in perms:
        raise DeliveryProblem(f"{owner.email} may no longer schedule reports (reports.schedule).")
    spec = report.spec or {}
    args = MultiDict([(k, str(v)) for k, vs in spec.items() for v in (vs if isinstance(vs, list) else [vs])])
    source = all_sources().get(args.get("source", report.source))
    if source is None:
        raise DeliveryProblem(f"The report source {report.source!r} is no longer enabled.")
    if source.permission and source.permission not in perms:
        raise DeliveryProblem(f"{owner.email} may no longer see {source.label} ({source.permission}).")
    specs = hooks.filter_specs() if source.contacts else None
    parsed, _ = parse(args, source, specs)
    if parsed.problems:
        raise DeliveryProblem("; ".join(parsed.problems))
    result, _ = query.run(parsed, specs, limit=exports.PDF_LIMIT)
    stem = "".join(ch if ch.isalnum() else "-" for ch in report.name).strip("-").lower()[:60] or "report"
    if schedule.format == "xlsx":
        return f"{stem}.xlsx", exports.MIME["xlsx"], exports.to_xlsx(result, report.name)
    chart = charts.build(result, parsed.chart) if parsed.chart != "table" else None
    return f"{stem}.pdf", exports.MIME["pdf"], exports.to_pdf(result, report.name, report.description, chart)


def send(schedule: ReportSchedule, now: datetime) -> None:
    if not schedule.addresses:
        raise DeliveryProblem("The schedule has no recipients.")
    filename, content_type, data = attachment(schedule)
    subject = f"{schedule.report.name} ({now:%d %B %Y})"
    text = (f"The report “{schedule.report.name}” is attached ({filename}).\n\n"
            f"{schedule.report.description}\n\nSent by Steward on a schedule set by "
            f"{schedule.owner.email}.").strip()
    for address in schedule.addresses:
        mail.send(address, subject, text, category="reports.schedule",
                  attachments=[(filename, content_type, data)])


def run(now: datetime | None = None) -> Ran:
    now = now or utcnow()
    due = db.session.scalars(select(ReportSchedule).where(
        ReportSchedule.active.is_(True), ReportSchedule.next_run_at <= now).order_by(ReportSchedule.next_run_at)).all()
    sent = failed = 0
    for schedule in due:
        try:
            with db.session.begin_nested():
                send(schedule, now)
        except Exception as error:  # noqa: BLE001 (any failure: record it, retry later)
            log.warning("Report schedule %s failed: %s", schedule.id, error)
            failed += 1
            schedule.failures += 1
            schedule.status = ReportSchedule.RETRYING
            schedule.last_error = f"{type(error).__name__}: {error}"[:2000]
            schedule.next_run_at = now + backoff(schedule.failures)
        else:
            sent += 1
            schedule.failures, schedule.status, schedule.last_error = 0, ReportSchedule.OK, None
            schedule.last_sent_at = now
            schedule.next_run_at = next_due(schedule.frequency, now, weekday=schedule.weekday, day=schedule.day)
        db.session.commit()
    upcoming = db.session.scalar(select(func.min(ReportSchedule.next_run_at)).where(ReportSchedule.active.is_(True)))
    return Ran(f"{sent} report(s) sent, {failed} failed", upcoming)
