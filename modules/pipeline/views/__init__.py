"""The pipeline & giving blueprint, mounted at /pipeline/. Each file holds one
area and registers its routes on `bp` when imported here."""

from flask import Blueprint

bp = Blueprint("pipeline", __name__, template_folder="../templates")

from modules.pipeline.views import (  # noqa: E402,F401
    accounting,
    admin_funds,
    admin_pipelines,
    admin_templates,
    board,
    forecast,
    gift_imports,
    gifts,
    opportunities,
    opportunity_list,
    pledges,
    receipts,
    recurring,
    stripe,
)
