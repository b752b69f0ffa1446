"""Hello: a tiny third-party Steward module and the worked example in
docs/modules.md. It imports only the core (`app.*`)."""

from __future__ import annotations

from app.registry import JobHandler, MailboxKind, Module, NavItem, Schedule, Widget, migrations_dir

# Every installed module's manifest is imported at start-up, enabled or not:
# it names its code with "package.module:attr" references, imported on first use.
module = Module(
    name="hello",
    title="Hello",
    description="Greetings: the smallest complete module.",
    permissions={
        "hello.view": "See greetings",
        "hello.edit": "Add greetings",
    },
    blueprint="steward_hello.views:bp",
    models="steward_hello.models",
    migrations=migrations_dir(__file__),
    nav=[NavItem("Hello", "hello.index", "hello.view", order=500)],
    widgets=[Widget("hello-greetings", "Greetings", "hello.view", "steward_hello.services:widget_html", order=500)],
    jobs=[JobHandler("hello.count_greetings", "steward_hello.services:count_greetings")],
    schedules=[Schedule("hello.good_morning", "Say good morning", "steward_hello.services:good_morning",
                        every=24 * 3600)],
    mailboxes=[MailboxKind("hello.greetings", "Greetings by email", "steward_hello.services:greeting_from_mail",
                           "Each message's subject becomes a greeting.")],
    settings={"greeting": "Hello"},
    # Greetings in the report builder (when the reports module is enabled).
    report_sources="steward_hello.report_sources:sources",
)
