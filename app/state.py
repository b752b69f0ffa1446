"""What the running app knows about its modules, kept in `app.extensions["steward"]`."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.permissions import BUILTIN_ROLES, default_roles_for
from app.registry import (
    AdminLink,
    CalendarSource,
    JobHandler,
    MailboxKind,
    Module,
    NavItem,
    RecordKind,
    Schedule,
    SearchProvider,
    WebhookEvent,
    Widget,
)


@dataclass
class StewardState:
    installed: dict[str, Module]
    enabled: list[Module]  # the core first, then modules in dependency order
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)
    builtin_grants: dict[str, frozenset[str]] = field(default_factory=dict)
    nav: list[NavItem] = field(default_factory=list)
    admin: list[tuple[str, AdminLink]] = field(default_factory=list)  # (module title, link)
    widgets: list[Widget] = field(default_factory=list)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    mailbox_kinds: dict[str, MailboxKind] = field(default_factory=dict)
    search: list[SearchProvider] = field(default_factory=list)
    webhook_events: dict[str, WebhookEvent] = field(default_factory=dict)
    calendar: list[CalendarSource] = field(default_factory=list)
    records: dict[str, RecordKind] = field(default_factory=dict)  # by table name
    styles: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    style_bundle: object = None  # app/assets.py: the core's and modules' styles, joined
    redis: object = None
    api: object = None  # the flask-smorest Api (app/api/)
    api_permissions: set[str] = field(default_factory=set)  # what API routes declare: a token's scopes
    redis_url: str = ""
    has_users: bool = False  # once True, first-run setup is over for this process

    def collect(self) -> None:
        grants: dict[str, set[str]] = {key: set() for key in BUILTIN_ROLES}
        for module in self.enabled:
            for perm, description in module.permissions.items():
                self.permissions[perm] = (description, module.title)
                for role in default_roles_for(perm, module):
                    grants[role].add(perm)
            self.nav.extend(module.nav)
            self.admin.extend((module.title, link) for link in module.admin)
            self.widgets.extend(module.widgets)
            self.search.extend(module.search)
            self.calendar.extend(module.calendar)
            self.records.update((kind.table, kind) for kind in module.records)
            self.styles.extend(module.styles)
            self.scripts.extend(module.scripts)
            for handler in module.jobs:
                self.jobs[handler.kind] = handler
            self.schedules.update((schedule.name, schedule) for schedule in module.schedules)
            self.mailbox_kinds.update((kind.kind, kind) for kind in module.mailboxes)
            self.webhook_events.update((event.type, event) for event in module.webhook_events)
        self.builtin_grants = {key: frozenset(perms) for key, perms in grants.items()}
        self.nav.sort(key=lambda item: item.order)
        self.admin.sort(key=lambda pair: pair[1].order)
        self.widgets.sort(key=lambda widget: widget.order)

    def module(self, name: str) -> Module | None:
        return next((m for m in self.enabled if m.name == name), None)
