"""The forecast page: open opportunities by expected close month and owner,
unweighted and weighted, for one pipeline or all."""

from __future__ import annotations

from flask import render_template, request

from app.ids import as_id
from app.permissions import permission_required
from modules.pipeline import opportunities as service
from modules.pipeline.forecast import forecast as build_forecast
from modules.pipeline.money import format_money
from modules.pipeline.views import bp
from modules.pipeline.views.opportunities import owner_choices

HORIZONS = (3, 6, 12, 24)


@bp.route("/forecast")
@permission_required("pipeline.view")
def forecast():
    pipeline_id = request.args.get("pipeline", type=as_id)
    owner_id = request.args.get("owner", type=as_id)
    months = request.args.get("months", type=int)
    months = months if months in HORIZONS else 12
    start = service.today()
    result = build_forecast(start, months, pipeline_id=pipeline_id, owner_id=owner_id)
    # The bar scale: the biggest unweighted line (per currency it is mixed
    # only when opportunities are in several currencies; the bar is a hint).
    biggest = max((line.amount for month in result for line in month.lines), default=0)
    return render_template("pipeline/forecast.html", months=result, horizon=months, horizons=HORIZONS,
                           pipelines=service.pipelines(), pipeline_id=pipeline_id, owner_id=owner_id,
                           owners=owner_choices()[1:], biggest=biggest, format_money=format_money, start=start,
                           current_nav="pipeline.board")
