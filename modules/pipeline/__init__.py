"""Pipeline & giving: opportunities on a board, and the giving record
(gifts, pledges, recurring gifts, receipts), with donor insight on the
contact page. Builds on contacts."""

from app.registry import Module, migrations_dir

# The manifest is imported even when the module is disabled, so everything
# it points at is imported lazily (see modules/contacts/__init__.py).

module = Module(
    name="pipeline",
    title="Pipeline & giving",
    requires=("contacts",),
    description="Opportunities on a board with forecasts; gifts, pledges, recurring gifts, receipts "
                "and donor insight.",
    permissions={
        "pipeline.view": "See pipelines, opportunities and forecasts",
        "pipeline.edit": "Add and edit opportunities, move them between stages",
        "pipeline.delete": "Delete opportunities",
        "pipeline.admin": "Manage pipelines, stages, lost reasons, funds and appeals",
        "giving.view": "See gifts, pledges, recurring gifts and giving totals",
        "giving.edit": "Record and edit gifts, pledges and recurring gifts; import gifts",
        "giving.receipts": "Produce and send receipts and statements; edit their templates",
    },
    # Giving records are confidential: volunteers do not see them by default.
    role_defaults={"giving.view": ("manager", "staff"), "giving.receipts": ("manager", "staff")},
    blueprint="modules.pipeline.views:bp",
    models="modules.pipeline.models",
    migrations=migrations_dir(__file__),
    nav=[],
    admin=[],
    widgets=[],
    jobs=[],
)
