"""Pipeline & giving: opportunities on a board, and the giving record
(gifts, pledges, recurring gifts, receipts), with donor insight on the
contact page. Builds on contacts."""

from app.registry import (
    AdminLink,
    CalendarSource,
    JobHandler,
    Module,
    NavItem,
    RecordKind,
    WebhookEvent,
    Widget,
    migrations_dir,
)
from modules.contacts.hooks import ContactHooks

# The manifest is imported even when the module is disabled: it names the
# code it contributes with "package.module:attr" references (app/refs.py),
# imported on first use.
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
        "giving.receipts": "Produce and send receipts and statements",
        "giving.templates": "Edit the receipt templates and settings: letters emailed in the organisation's name",
    },
    # Giving records are confidential: volunteers do not see them by default.
    # What letters say in the organisation's name is for managers to decide.
    role_defaults={"giving.view": ("manager", "staff"), "giving.receipts": ("manager", "staff"),
                   "giving.templates": ("manager",)},
    blueprint="modules.pipeline.views:bp",
    models="modules.pipeline.models",
    migrations=migrations_dir(__file__),
    # How the audit log names these tables' records, and links to them.
    records=[RecordKind("pipeline_gift", "Gift", "pipeline.gift", "gift_id", "giving.view"),
             RecordKind("pipeline_pledge", "Pledge", "pipeline.pledge", "pledge_id", "giving.view"),
             RecordKind("pipeline_recurring", "Recurring gift", "pipeline.recurring", "recurring_id", "giving.view"),
             RecordKind("pipeline_opportunity", "Opportunity", "pipeline.opportunity", "opportunity_id",
                        "pipeline.view"),
             RecordKind("pipeline_acknowledgement", "Acknowledgement"), RecordKind("pipeline_fund", "Fund"),
             RecordKind("pipeline_appeal", "Appeal"), RecordKind("pipeline_pipeline", "Pipeline"),
             RecordKind("pipeline_stage", "Stage"), RecordKind("pipeline_receipt_template", "Receipt template"),
             RecordKind("pipeline_gift_import", "Gift import")],
    nav=[NavItem("Giving", "pipeline.gifts", "giving.view", order=40,
                 section=("pipeline.gift", "pipeline.pledge", "pipeline.recurring", "pipeline.receipt",
                          "pipeline.donor_statement", "pipeline.giving_", "pipeline.accounting_")),
         NavItem("Pipeline", "pipeline.board", "pipeline.view", order=30)],
    styles=["css/pipeline.css", "css/giving.css"],
    scripts=["js/pipeline-board.js"],
    admin=[AdminLink("Pipelines", "pipeline.admin_pipelines", "pipeline.admin",
                     "Pipelines and their stages (probability, won and lost), and lost reasons.", order=280),
           AdminLink("Funds & appeals", "pipeline.admin_funds", "pipeline.admin",
                     "Funds and designations gifts go to; appeals and campaigns that raise them.", order=290),
           AdminLink("Receipt templates", "pipeline.receipt_templates", "giving.templates",
                     "Thank-you letters, year-end statements and tribute notifications; the address and "
                     "paper size they print with.", order=300),
           AdminLink("Online donations", "pipeline.stripe_settings", "pipeline.admin",
                     "Stripe: gifts and recurring gifts from online donations, refunds.", order=305),
           ],
    widgets=[Widget("pipeline-unacknowledged", "Gifts waiting for acknowledgement", "giving.view",
                    "modules.pipeline.views.receipts:unacknowledged_widget", order=35),
             Widget("pipeline-giving-by-month", "Giving this year and last", "giving.view",
                    "modules.pipeline.widgets:giving_by_month", order=30),
             Widget("pipeline-open-value", "Open pipeline by stage", "pipeline.view",
                    "modules.pipeline.widgets:pipeline_value", order=40)],
    webhook_events=[
        WebhookEvent("gift.recorded", "A gift was recorded", "modules.pipeline.signals:gift_recorded",
                     "modules.pipeline.webhooks:gift_recorded"),
        WebhookEvent("gift.refunded", "A gift was refunded", "modules.pipeline.signals:gift_refunded",
                     "modules.pipeline.webhooks:gift_refunded"),
        WebhookEvent("opportunity.stage_changed", "An opportunity moved to another stage",
                     "modules.pipeline.signals:opportunity_stage_changed", "modules.pipeline.webhooks:stage_changed"),
    ],
    jobs=[JobHandler("pipeline.import_gifts", "modules.pipeline.gift_import.run:job"),
          # each chunk commits its acknowledgements with the job's cursor: running it again carries on
          JobHandler("pipeline.receipts", "modules.pipeline.receipts.batch:run_job", resumable=True),
          ],
    # The month fiscal years start on (1 = calendar years): donor status,
    # LYBUNT/SYBUNT and the giving widget all count years from it.
    settings={"fiscal_year_start_month": 1,
              # Receipts: the registration number, who signs, and the paper
              # size ("auto": from the locale). The postal address is the core's.
              "receipts_registration": "", "receipts_signature": "",
              "receipts_paper": "auto", "receipts_wording": "standard",
              # Online donations (Stripe): the endpoint's signing secret, the
              # one before it while it is rolled over, the fund by default.
              "stripe_signing_secret": "", "stripe_previous_secret": "", "stripe_default_fund": "",
              # The accounting export: accounts by name or code, fund id -> income account.
              "accounting_deposit_account": "", "accounting_income_account": "",
              "accounting_fund_accounts": {}, "accounting_tax_rate": "Tax Exempt",
              "accounting_date_format": "dmy"},
    country_settings={"fiscal_year_start_month": "fiscal_year_start_month", "receipts_paper": "paper",
                      "receipts_wording": "receipt_wording"},
    calendar=[CalendarSource("Expected close dates", "pipeline.view", "modules.pipeline.calendar:items")],
    # Giving and pipeline reports for the reports module, and the rollups that keep them fast.
    standard_reports="modules.pipeline.reports.catalogue:REPORTS",
    report_rollups="modules.pipeline.reports.catalogue:ROLLUPS",
    seed="modules.pipeline.seed:seed",
    cli="modules.pipeline.cli:group",
    report_sources="modules.pipeline.report_sources:sources",
    # REST API resources (docs/api.md, "Pipeline & giving").
    api=["modules.pipeline.api.gifts:blp", "modules.pipeline.api.pledge_writes:blp",
         "modules.pipeline.api.recurring_writes:blp", "modules.pipeline.api.designations:funds",
         "modules.pipeline.api.designations:appeals", "modules.pipeline.api.opportunities:blp",
         "modules.pipeline.api.pipelines:blp"],
    # Donor insight on the contact page and its timeline, giving criteria for
    # segments, and the giving record's part in merges and privacy requests.
    extends={"contacts": ContactHooks(panels="modules.pipeline.contact_hooks:panels",
                                      timeline="modules.pipeline.contact_hooks:timeline",
                                      filters="modules.pipeline.giving_filters:filters",
                                      merge="modules.pipeline.contact_records:merge",
                                      export="modules.pipeline.contact_records:export",
                                      erase="modules.pipeline.contact_records:erase")},
)
