"""The pipeline & giving blueprint, mounted at /pipeline/. Each file holds one
area and registers its routes on `bp` when imported here."""

from flask import Blueprint

bp = Blueprint("pipeline", __name__, template_folder="../templates")

# One line per area, so that each can be added on its own.
