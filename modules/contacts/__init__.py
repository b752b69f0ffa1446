"""Contacts: people, households and organisations, and everything that
hangs on them. Every other module builds on this one."""

from app.registry import AdminLink, JobHandler, Module, NavItem, SearchProvider, Widget, migrations_dir
from modules.contacts.hooks import ContactHooks


# The manifest is imported even when the module is disabled, so everything
# it points at is imported lazily.
def _added_this_month():
    from modules.contacts.views.listing import added_this_month_widget

    return added_this_month_widget()


def _tasks_due():
    from modules.contacts.views.tasks import tasks_due_widget

    return tasks_due_widget()


def _search(query, limit):
    from modules.contacts.views.listing import global_search_results

    return global_search_results(query, limit)


def _filters():
    from modules.contacts.filters import filters

    return filters()


def _bulk_job(job, **args):
    from modules.contacts.bulk import run_job

    return run_job(job, **args)


def _find_duplicates(job, **args):
    from modules.contacts.duplicates import run_job

    return run_job(job, **args)


def _export_job(job, **args):
    from modules.contacts.export import run_job

    return run_job(job, **args)


def _import_job(job, **args):
    from modules.contacts.importer.run import job as run_job

    return run_job(job, **args)


def _timeline(contact_id, before, limit):
    from modules.contacts.timeline import activity_entries

    return activity_entries(contact_id, before, limit)


def _seeded():
    from app.extensions import db
    from modules.contacts.models import Contact

    return db.session.scalar(db.select(db.func.count()).select_from(Contact)) or 0


def _seed(n, rng, progress):
    from modules.contacts.seed import seed

    seed(n, rng, progress)


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
    models="modules.contacts.models",
    migrations=migrations_dir(__file__),
    settings={"default_country": ""},
    admin=[
        AdminLink("Contacts settings", "contacts.admin_index", "contacts.admin",
                  "Custom fields, tags and relationship types.", order=100),
        AdminLink("Trash", "contacts.trash_list", "contacts.delete",
                  "Deleted contacts: restore them, or purge them for good.", order=110),
    ],
    nav=[NavItem("Contacts", "contacts.index", "contacts.view", order=10),
         NavItem("My tasks", "contacts.my_tasks", "contacts.view", order=20)],
    widgets=[Widget("contacts-tasks-due", "Tasks due", "contacts.view", _tasks_due, order=10),
             Widget("contacts-added", "Contacts added this month", "contacts.view", _added_this_month, order=20)],
    search=[SearchProvider("Contacts", "contacts.view", _search)],
    jobs=[JobHandler("contacts.bulk", _bulk_job),
          JobHandler("contacts.find_duplicates", _find_duplicates),
          JobHandler("contacts.export", _export_job),
          JobHandler("contacts.import", _import_job)],
    seed=_seed,
    seeded=_seeded,
    cli="modules.contacts.cli:group",
    extends={"contacts": ContactHooks(filters=_filters, timeline=_timeline)},
)
