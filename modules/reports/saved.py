"""Saved reports: create, change, share, duplicate, delete; who sees which.

A report is private to its owner unless shared with roles: everyone
holding one of them (and reports.view) may open it. The owner, or anyone
with reports.admin, may change, share or delete it. Opening a report also
needs the permission of its source: sharing a gift report with volunteers
shows them nothing unless their role sees gifts.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app import audit
from app.extensions import db
from app.models import Role
from app.permissions import can
from modules.reports.models import ReportShare, SavedReport


class ReportForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the report a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)],
                                description="Optional: what the report shows and who it is for.")
    roles = SelectMultipleField("Share with these roles", coerce=int, validate_choice=True,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                description="Leave every box clear to keep the report private to you.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r.id, r.name) for r in db.session.scalars(select(Role).order_by(Role.name))]


class StoredReport:
    """What the edit form shows of a report (app/edits compares it field by field)."""

    def __init__(self, report: SavedReport):
        self.name, self.description, self.roles = report.name, report.description, report.role_ids


def visible(user):
    """Reports `user` may open: their own, shared with their role, every one for reports.admin."""
    stmt = select(SavedReport).order_by(SavedReport.name, SavedReport.id)
    if can("reports.admin"):
        return stmt
    shared = select(ReportShare.report_id).where(ReportShare.role_id == user.role_id)
    return stmt.where(or_(SavedReport.owner_id == user.id, SavedReport.id.in_(shared)))


def may_see(report: SavedReport, user) -> bool:
    return report.owner_id == user.id or user.role_id in report.role_ids or can("reports.admin")


def may_manage(report: SavedReport, user) -> bool:
    return (report.owner_id == user.id and can("reports.build")) or can("reports.admin")


def _shares(role_ids) -> list[ReportShare]:
    return [ReportShare(role_id=rid) for rid in sorted(set(role_ids or ()))]


def create(name: str, description: str, role_ids, source: str, spec: dict, user) -> SavedReport:
    report = SavedReport(name=name.strip(), description=description or "", source=source, spec=spec,
                         owner_id=user.id, shares=_shares(role_ids))
    db.session.add(report)
    db.session.flush()
    audit.record(audit.CREATE, report, user=user, summary=f"Saved the report “{report.name}”",
                 changes={"name": (None, report.name), "roles": (None, report.role_ids)})
    return report


def update(report: SavedReport, form: ReportForm, spec: tuple[str, dict] | None, user) -> dict:
    before = {"name": report.name, "description": report.description, "roles": report.role_ids,
              "spec": report.spec}
    report.name = form.name.data.strip()
    report.description = form.description.data or ""
    wanted = sorted(set(form.roles.data or ()))
    if wanted != report.role_ids:
        report.shares = _shares(wanted)
    if spec is not None:
        report.source, report.spec = spec
    after = {"name": report.name, "description": report.description, "roles": wanted, "spec": report.spec}
    changes = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if changes:
        audit.record(audit.UPDATE, report, user=user, summary=f"Changed the report “{report.name}”",
                     changes=changes)
    return changes


def duplicate(report: SavedReport, user) -> SavedReport:
    """A private copy owned by `user`."""
    name = f"Copy of {report.name}"[:120]
    return create(name, report.description, (), report.source, dict(report.spec), user)


def delete(report: SavedReport, user) -> None:
    audit.record(audit.DELETE, report, user=user, summary=f"Deleted the report “{report.name}”",
                 changes={"name": (report.name, None)})
    db.session.delete(report)
