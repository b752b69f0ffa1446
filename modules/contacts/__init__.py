"""Contacts: people, households and organisations, and everything that
hangs on them. Every other module builds on this one."""

from app.registry import (
    AdminLink,
    CalendarSource,
    JobHandler,
    Module,
    NavItem,
    RecordKind,
    SearchProvider,
    WebhookEvent,
    Widget,
    migrations_dir,
)
from app.reporting.standard import ReportRollup
from modules.contacts.hooks import ContactHooks

# The manifest is imported even when the module is disabled: it names the
# code it contributes with "package.module:attr" references (app/refs.py),
# imported on first use.
module = Module(
    name="contacts",
    title="Contacts",
    description="People, households and organisations; timeline, tasks, segments, import and export.",
    permissions={
        "contacts.view": "See contacts, their timeline and tasks",
        "contacts.edit": "Add and edit contacts, notes and tasks",
        "contacts.delete": "Move contacts to the trash and restore them",
        "contacts.import": "Import contacts from files",
        "contacts.export": "Export contacts to files",
        "contacts.admin": "Manage custom fields, tags, relationship types; purge the trash",
    },
    blueprint="modules.contacts.views:bp",
    # The contacts-by-tag report's rollup, kept by triggers (modules/contacts/lists/tag_days.py).
    report_rollups=[ReportRollup("contacts.tag_days", "Live contacts per tag and day of creation",
                                 "modules.contacts.lists.tag_days:rebuild", "modules.contacts.lists.tag_days:in_step")],
    models="modules.contacts.models",
    migrations=migrations_dir(__file__),
    # How the audit log names these tables' records, and links to them.
    records=[RecordKind("contacts_contact", "Contact", "contacts.show", "contact_id", "contacts.view"),
             RecordKind("contacts_segment", "Segment", "contacts.segment", "segment_id", "contacts.view"),
             RecordKind("contacts_import", "Contact import", "contacts.import_status", "import_id",
                        "contacts.import"),
             RecordKind("contacts_activity", "Timeline entry"), RecordKind("contacts_task", "Task"),
             RecordKind("contacts_tag", "Tag"), RecordKind("contacts_custom_field", "Custom field"),
             RecordKind("contacts_relationship", "Relationship"),
             RecordKind("contacts_relationship_type", "Relationship type"),
             RecordKind("contacts_duplicate_dismissal", "Duplicate pair set aside")],
    settings={"default_country": ""},
    country_settings={"default_country": "phone_region"},
    scripts=["js/contacts-tasks.js"],
    admin=[
        AdminLink("Contacts settings", "contacts.admin_index", "contacts.admin",
                  "Custom fields, tags and relationship types.", order=100),
        AdminLink("Trash", "contacts.trash_list", "contacts.delete",
                  "Deleted contacts: restore them, or purge them for good.", order=110),
    ],
    nav=[NavItem("Contacts", "contacts.index", "contacts.view", order=10),
         NavItem("My tasks", "contacts.my_tasks", "contacts.view", order=20)],
    widgets=[Widget("contacts-tasks-due", "Tasks due", "contacts.view",
                    "modules.contacts.views.tasks:tasks_due_widget", order=10),
             Widget("contacts-added", "Contacts added this month", "contacts.view",
                    "modules.contacts.views.listing:added_this_month_widget", order=20)],
    search=[SearchProvider("Contacts", "contacts.view", "modules.contacts.views.listing:global_search_results")],
    calendar=[CalendarSource("Tasks", "contacts.view", "modules.contacts.contracts.calendar:items")],
    jobs=[JobHandler("contacts.bulk", "modules.contacts.lists.bulk:run_job"),
          JobHandler("contacts.api_batch", "modules.contacts.api.batch:run_job", resumable=True),
          JobHandler("contacts.find_duplicates", "modules.contacts.dedupe.duplicates:run_job"),
          JobHandler("contacts.export", "modules.contacts.lists.export:run_job"),
          # each chunk commits with the run's counts: running it again carries on after them
          JobHandler("contacts.import", "modules.contacts.importer.run:job", resumable=True,
                     interrupted="modules.contacts.importer.run:interrupted")],
    webhook_events=[
        WebhookEvent("contact.created", "A contact was created", "modules.contacts.signals:contact_created",
                     "modules.contacts.contracts.webhooks:created"),
        WebhookEvent("contact.updated", "A contact was edited", "modules.contacts.signals:contact_updated",
                     "modules.contacts.contracts.webhooks:updated"),
        WebhookEvent("contact.merged", "Two contacts were merged", "modules.contacts.signals:contacts_merged",
                     "modules.contacts.contracts.webhooks:merged"),
        WebhookEvent("contact.erased", "A contact's personal data was erased",
                     "modules.contacts.signals:contact_erased", "modules.contacts.contracts.webhooks:erased",
                     erases=True),
        WebhookEvent("contact.deleted", "Contacts were deleted for good", "modules.contacts.signals:contacts_purged",
                     "modules.contacts.contracts.webhooks:deleted", erases=True),
    ],
    seed="modules.contacts.seed:seed",
    seeded="modules.contacts.lists.queries:stored_count",
    cli="modules.contacts.cli:group",
    # REST API resources (app/api/), one file each, mounted under /api/v1.
    api=["modules.contacts.api.people:blp", "modules.contacts.api.batch:blp",
         "modules.contacts.api.households:blp", "modules.contacts.api.organisations:blp",
         "modules.contacts.api.links:blp", "modules.contacts.api.notes:blp", "modules.contacts.api.tasks:blp",
         "modules.contacts.api.segments:blp"],
    report_sources="modules.contacts.contracts.report_sources:sources",
    extends={"contacts": ContactHooks(filters="modules.contacts.lists.filters:filters",
                                      timeline="modules.contacts.activity.timeline:activity_entries")},
)
