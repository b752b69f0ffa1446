"""The pipeline & giving blueprint, mounted at /pipeline/. Each file holds one
area and registers its routes on `bp` when imported here."""

from flask import Blueprint

bp = Blueprint("pipeline", __name__, template_folder="../templates")

# One line per area, so that each can be added on its own.
from modules.pipeline.views import board  # noqa: E402,F401
from modules.pipeline.views import opportunities  # noqa: E402,F401
from modules.pipeline.views import opportunity_list  # noqa: E402,F401
from modules.pipeline.views import forecast  # noqa: E402,F401
from modules.pipeline.views import admin_pipelines  # noqa: E402,F401
from modules.pipeline.views import gifts  # noqa: E402,F401
from modules.pipeline.views import pledges  # noqa: E402,F401
from modules.pipeline.views import recurring  # noqa: E402,F401
from modules.pipeline.views import admin_funds  # noqa: E402,F401
from modules.pipeline.views import receipts  # noqa: E402,F401
from modules.pipeline.views import admin_templates  # noqa: E402,F401
from modules.pipeline.views import gift_imports  # noqa: E402,F401
