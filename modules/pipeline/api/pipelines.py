"""Pipelines with their stages (read): /pipelines, /pipelines/{id}."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields as f
from sqlalchemy.orm import selectinload

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline.models import Pipeline

blp = Blueprint("api_pipelines", __name__, description="Pipelines and their stages")


class StageSchema(ma.Schema):
    id = f.Integer()
    name = f.String()
    position = f.Integer()
    probability = f.Integer(metadata={"description": "Percent, 0 to 100."})
    outcome = f.String(metadata={"description": "open, won or lost"})


class PipelineSchema(ma.Schema):
    id = f.Integer()
    name = f.String()
    description = f.String()
    records_gifts = f.Boolean()
    archived = f.Boolean()
    stages = f.List(f.Nested(StageSchema))


ALLOWED = set(PipelineSchema().fields)


def show(p: Pipeline) -> dict:
    return {"id": p.id, "name": p.name, "description": p.description or "", "records_gifts": bool(p.records_gifts),
            "archived": bool(p.archived),
            "stages": [{"id": s.id, "name": s.name, "position": s.position, "probability": s.probability,
                        "outcome": s.outcome} for s in p.stages]}


@blp.route("/pipelines")
@permission_required("pipeline.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.response(200, lists.page_schema(PipelineSchema, "PipelinePage"))
def index(paging):
    rows, cursor = lists.by_id(db.select(Pipeline).options(selectinload(Pipeline.stages)), Pipeline.id,
                               paging["after"], paging["limit"])
    return lists.envelope([show(p) for p in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/pipelines/<id:pipeline_id>")
@permission_required("pipeline.view")
@blp.response(200, PipelineSchema)
def read(pipeline_id: int):
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        problems.abort_with(404, "Not found", f"There is no pipeline {pipeline_id}.")
    data = show(pipeline)
    return data, 200, {"ETag": writes.etag_of(data)}
