"""Contacts: people, households and organisations, and everything that
hangs on them. Every other module builds on this one."""

from app.registry import Module, migrations_dir

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
    models="modules.contacts.models",
    migrations=migrations_dir(__file__),
    settings={"default_country": ""},
)
