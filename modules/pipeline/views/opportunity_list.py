"""The opportunity list: filters (pipeline, stage, owner, close dates,
open/won/lost, contact) and keyset paging, newest first."""

from __future__ import annotations

from datetime import date

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.htmx import page_or_fragment
from app.ids import parse_id
from app.paging import keyset
from app.permissions import can, permission_required
from modules.contacts.models import Contact
from modules.pipeline import opportunities as service
from modules.pipeline.models import OUTCOMES, Opportunity, Stage
from modules.pipeline.money import format_money
from modules.pipeline.views import bp
from modules.pipeline.views.opportunities import contact_url, owner_choices


def _date_arg(name: str) -> tuple[date | None, str | None]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, "Enter a date like 2026-12-31."


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


@bp.route("/opportunities/")
@permission_required("pipeline.view")
def opportunities():
    stmt = select(Opportunity).options(joinedload(Opportunity.stage), joinedload(Opportunity.pipeline),
                                       joinedload(Opportunity.contact), service.owner_name())
    filters = {k: _int_arg(k) for k in ("pipeline", "stage", "owner", "contact")}
    status = request.args.get("status", "")
    close_from, from_error = _date_arg("close_from")
    close_to, to_error = _date_arg("close_to")
    if filters["pipeline"]:
        stmt = stmt.where(Opportunity.pipeline_id == filters["pipeline"])
    if filters["stage"]:
        stmt = stmt.where(Opportunity.stage_id == filters["stage"])
    if filters["owner"]:
        stmt = stmt.where(Opportunity.owner_id == filters["owner"])
    if filters["contact"]:
        stmt = stmt.where(Opportunity.contact_id == filters["contact"])
    if status in OUTCOMES:
        stmt = stmt.where(Opportunity.stage_id.in_(select(Stage.id).where(Stage.outcome == status)))
    if close_from:
        stmt = stmt.where(Opportunity.expected_close >= close_from)
    if close_to:
        stmt = stmt.where(Opportunity.expected_close <= close_to)
    page = keyset(stmt, Opportunity.id, newest_first=True)
    contact = db.session.get(Contact, filters["contact"]) if filters["contact"] else None
    return page_or_fragment(
        "pipeline/opportunity_list.html", "pipeline/_opportunity_rows.html", page=page, filters=filters,
        status=status, close_from=request.args.get("close_from", ""), close_to=request.args.get("close_to", ""),
        errors={"close_from": from_error, "close_to": to_error}, pipelines=service.pipelines(archived=True),
        stages_by_pipeline=service.stages_by_pipeline(), owners=owner_choices()[1:], contact=contact,
        contact_url=contact_url, format_money=format_money, can_edit=can("pipeline.edit"),
        current_nav="pipeline.board")
