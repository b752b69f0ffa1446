"""Reports: a builder over every module's report sources, the standard
nonprofit and school reports, dashboards and scheduled delivery. Each module
contributes its data through report sources (see docs/modules.md)."""

from app.registry import Module, NavItem
from modules.reports.standard import catalogue as standard

module = Module(
    name="reports",
    title="Reports",
    requires=("contacts",),
    description="Report builder, standard giving and contact reports, dashboards, scheduled delivery.",
    permissions={
        "reports.view": "See reports shared with them and the standard reports",
        "reports.build": "Build, save and share reports",
        "reports.schedule": "Email saved reports on a schedule",
        "reports.admin": "Manage every saved report, role dashboards and schedules",
    },
    blueprint="modules.reports.views:bp",
    nav=[NavItem("Reports", "reports.index", "reports.view", order=60)],
    # The contacts reports; giving and pipeline reports come from the pipeline manifest.
    standard_reports=standard.REPORTS,
    styles=["css/reports-standard.css"],
    cli="modules.reports.cli:group",
)
