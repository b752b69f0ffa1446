"""Reports: a builder over every module's report sources, the standard
nonprofit and school reports, dashboards and scheduled delivery. Each module
contributes its data through report sources (see docs/modules.md)."""

from app.registry import JobHandler, Module, NavItem, RecordKind, Schedule, migrations_dir
from modules.contacts.hooks import ContactHooks

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
    models="modules.reports.models",
    migrations=migrations_dir(__file__),
    records=[RecordKind("reports_report", "Report", "reports.show", "report_id", "reports.view")],
    nav=[NavItem("Reports", "reports.index", "reports.view", order=60)],
    styles=["css/reports.css", "css/reports-standard.css", "css/reports-dashboard.css"],
    # Exports of more rows than a request should write (modules/reports/export_job.py).
    jobs=[JobHandler("reports.export", "modules.reports.export_job:run_job")],
    # Saved reports emailed on a schedule (modules/reports/delivery/).
    schedules=[Schedule("reports.deliveries", "Email the scheduled reports that are due",
                        "modules.reports.delivery.run:run", every=300)],
    # Drill-downs open the contacts list with a "has records in a report" rule.
    extends={"contacts": ContactHooks(filters="modules.reports.drill:filters", section="reports")},
    # The contacts reports; giving and pipeline reports come from the pipeline manifest.
    standard_reports="modules.reports.standard.catalogue:REPORTS",
    cli="modules.reports.cli:group",
)
