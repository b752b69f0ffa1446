"""The board: a column per stage with its count, total and weighted total,
the biggest cards first, "show more" by keyset; moving a card by drag and
drop (static/js/pipeline-board.js), by its stage selector with HTMX, or by a
plain form POST that comes back to the board."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from app.extensions import db
from app.htmx import is_htmx, redirect_after_post
from app.models.base import utcnow
from app.permissions import can, permission_required
from modules.pipeline import opportunities as service
from modules.pipeline.models import LOST, WON, Opportunity, Pipeline, Stage
from modules.pipeline.money import format_money
from modules.pipeline.pipeline_forms import MoveForm
from modules.pipeline.views import bp

CARDS_PER_COLUMN = 25


def board_context(pipeline: Pipeline, announce: str = "") -> dict:
    stages = list(pipeline.stages)
    return {"pipeline": pipeline, "stages": stages, "totals": service.stage_totals(pipeline.id),
            "columns": service.board_cards(stages, CARDS_PER_COLUMN), "announce": announce,
            "format_money": format_money, "can_edit": can("pipeline.edit"), "won": WON, "lost": LOST,
            "now": utcnow()}


def _full_page_redirect(url: str):
    """For HTMX requests that must leave the board (the won and lost steps):
    a real navigation, so the next page arrives whole."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    return response


@bp.route("/")
@bp.route("/<int:pipeline_id>/board")
@permission_required("pipeline.view")
def board(pipeline_id: int | None = None):
    all_pipelines = service.pipelines()
    if pipeline_id is None:
        if not all_pipelines:
            return render_template("pipeline/board_empty.html", current_nav="pipeline.board")
        pipeline = all_pipelines[0]
    else:
        pipeline = db.get_or_404(Pipeline, pipeline_id)
    context = board_context(pipeline)
    response = make_response(render_template(
        "pipeline/_board.html" if is_htmx() else "pipeline/board.html", pipelines=all_pipelines,
        current_nav="pipeline.board", **context))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.route("/stages/<int:stage_id>/cards")
@permission_required("pipeline.view")
def board_stage(stage_id: int):
    """More cards of one column: a fragment for "show more" with HTMX, a
    page of the column (with its own "more") without."""
    stage = db.get_or_404(Stage, stage_id)
    after = service.Cursor.parse(request.args.get("after"))
    cards, cursor = service.stage_cards(stage.id, CARDS_PER_COLUMN if is_htmx() else 100, after)
    context = {"stage": stage, "pipeline": stage.pipeline, "stages": list(stage.pipeline.stages), "cards": cards,
               "cursor": cursor, "format_money": format_money, "can_edit": can("pipeline.edit"),
               "totals": service.stage_totals(stage.pipeline_id).get(stage.id, []), "won": WON, "lost": LOST,
               "now": utcnow()}
    if is_htmx():
        return render_template("pipeline/_board_cards.html", **context)
    return render_template("pipeline/board_stage.html", current_nav="pipeline.board", **context)


def _back_url(opp: Opportunity, back: str) -> str:
    """Where a move returns to; on the board, the moved card's anchor, so
    the page opens at the card and the next Tab starts from it."""
    if back == "opportunity":
        return url_for("pipeline.opportunity", opportunity_id=opp.id)
    return url_for("pipeline.board", pipeline_id=opp.pipeline_id, _anchor=f"card-{opp.id}")


@bp.route("/opportunities/<int:opportunity_id>/move", methods=["POST"])
@permission_required("pipeline.edit")
def opportunity_move(opportunity_id: int):
    opp = service.load(opportunity_id) or abort(404)
    form = MoveForm()
    form.stage.choices = [(s.id, s.name) for s in opp.pipeline.stages]
    back = form.back.data or "board"
    if not form.validate_on_submit():
        message = "; ".join(e for errors in form.errors.values() for e in errors)
        if is_htmx():
            return render_template("pipeline/_board_moved.html", pipelines=service.pipelines(),
                                   **board_context(opp.pipeline, f"Not moved: {message}")), 422
        flash(f"{opp.name} was not moved: {message}", "error")
        return redirect_after_post(_back_url(opp, back))
    stage = db.session.get(Stage, form.stage.data)
    if stage.outcome == LOST and stage.id != opp.stage_id:
        url = url_for("pipeline.opportunity_lose", opportunity_id=opp.id, stage=stage.id, back=back)
        return _full_page_redirect(url) if is_htmx() else redirect(url, code=303)
    moved = service.move(opp, stage)
    db.session.commit()
    if moved and stage.outcome == WON and opp.pipeline.records_gifts and can("giving.edit"):
        url = url_for("pipeline.opportunity_won", opportunity_id=opp.id)
        return _full_page_redirect(url) if is_htmx() else redirect(url, code=303)
    message = f"{opp.name} moved to {stage.name}." if moved else f"{opp.name} is already in {stage.name}."
    if is_htmx() and back == "board":
        response = make_response(render_template("pipeline/_board_moved.html", pipelines=service.pipelines(),
                                                 **board_context(opp.pipeline, message)))
        response.headers["HX-Trigger"] = json.dumps({"pipeline:moved": {"id": opp.id, "stage": stage.id}})
        return response
    flash(message, "success")
    return redirect_after_post(_back_url(opp, back))
