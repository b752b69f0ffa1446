"""Hello: a tiny third-party Steward module and the worked example in
docs/modules.md. It imports only the core (`app.*`)."""

from __future__ import annotations

from app.registry import JobHandler, Module, NavItem, Widget, migrations_dir


def _widget() -> str:
    from steward_hello.services import widget_html

    return widget_html()


def _count_greetings(job, **args):
    from steward_hello.services import count_greetings

    return count_greetings(job, **args)


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
    widgets=[Widget("hello-greetings", "Greetings", "hello.view", _widget, order=500)],
    jobs=[JobHandler("hello.count_greetings", _count_greetings)],
    settings={"greeting": "Hello"},
)
