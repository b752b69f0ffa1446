"""The module contract: manifests, discovery through entry points, and
resolution of `STEWARD_MODULES` into an ordered list of enabled modules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

from app import refs

ENTRY_POINT_GROUP = "steward.modules"


class ModuleError(SystemExit):
    """Start-up stops with this one-line message (SystemExit prints no traceback)."""


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    order: int = 100
    # Endpoint-name prefixes of the pages this entry stands for, when a
    # blueprint holds several entries' pages ("pipeline.gift" for Giving).
    section: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdminLink:
    """A section on the Admin page (the page itself needs an `admin.*` permission)."""

    label: str
    endpoint: str
    permission: str
    description: str = ""
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A dashboard card. `render()` returns HTML (usually `render_template`)."""

    name: str
    title: str
    permission: str
    render: Callable[[], str] | str
    order: int = 100

    def __post_init__(self):
        refs.lazy_fields(self, "render")


@dataclass(frozen=True)
class JobHandler:
    """A kind of background job. `run(job, **args)` does the work and may call
    `job_progress(job, done, total)` as it goes.

    `resumable=True` declares that running the same job again after its
    worker died carries on from its last checkpoint without doing anything
    twice (it commits its work with a record of how far it got, in the same
    transaction); such a job is resumed by itself when its worker is found
    gone (app/jobs/stranded.py). `interrupted(job, resuming)`, if given, is
    called in the transaction that marks the job interrupted (resuming=False)
    or queues it again (True), so the module can say so on its own records
    (an import's page)."""

    kind: str
    run: Callable | str
    resumable: bool = False
    interrupted: Callable | str | None = None

    def __post_init__(self):
        refs.lazy_fields(self, "run", "interrupted")


@dataclass(frozen=True)
class Schedule:
    """Work that comes back by itself: polling a mailbox, starting the
    campaigns whose time has come, the next step of a drip sequence.

    `run()` is called in the worker, in an app context, at most once every
    `every` seconds and never twice at once (app/schedules.py keeps each
    schedule's state in the database, so several workers share it). It does
    small work itself (a poll, a query) and hands long work to a job. It may
    return the time it next has something to do, when that is later than
    `every` from now (a campaign scheduled for Friday: the worker stays
    light till then); anything that changes that calls `schedules.wake(name)`."""

    name: str
    title: str
    run: Callable | str
    every: int = 60

    def __post_init__(self):
        refs.lazy_fields(self, "run")


@dataclass(frozen=True)
class MailboxKind:
    """A kind of mailbox a module reads: bounces, helpdesk tickets, a BCC
    dropbox. Administrators connect mailboxes of this kind in Admin →
    Mailboxes; the core's intake service (app/intake/) fetches their mail
    over IMAP or takes it from a pipe, once per Message-ID, and calls
    `handle(message, inbound)` for each: `message` is an
    `email.message.EmailMessage` (policy.default), `inbound` the stored
    InboundMessage. It returns a short summary of what it did, and raises to
    mark the message failed (its changes are rolled back; an admin can
    retry it)."""

    kind: str  # prefixed with the module's name: "marketing.bounces"
    title: str
    handle: Callable | str
    description: str = ""

    def __post_init__(self):
        refs.lazy_fields(self, "handle")


@dataclass(frozen=True)
class WebhookEvent:
    """A kind of event administrators can subscribe webhook endpoints to
    (app/webhooks/). `type` is "<noun>.<verb>" ("contact.created"), stable:
    receivers switch on it.

    `signal` is the blinker signal (a lazy reference) the module already
    sends for it; the core connects to it only while the module is enabled,
    and calls `payload(sender, **kwargs)`, which returns the events to send
    as `app.webhooks.Occurrence`s (record id, contact id for ordering, data),
    or nothing. An event with no `signal` is sent by code that calls
    `app.webhooks.emit(type, occurrences)` (an integration that learns of a
    refund). `erases=True`: the event says a contact's personal data is
    gone, so the payloads stored for that contact's earlier events are
    stripped to ids too."""

    type: str
    title: str
    signal: object | str | None = None
    payload: Callable | str | None = None
    erases: bool = False

    def __post_init__(self):
        refs.lazy_fields(self, "signal", "payload")


@dataclass(frozen=True)
class SearchProvider:
    """Global-search results: `search(query, limit)` returns a list of
    `(label, url, detail)` tuples."""

    title: str
    permission: str
    search: Callable[[str, int], list[tuple[str, str, str]]] | str

    def __post_init__(self):
        refs.lazy_fields(self, "search")


@dataclass(frozen=True)
class CalendarItem:
    """One all-day entry in a user's calendar feed: a task due, an
    expected close date. `uid` is stable across fetches ("task-42")."""

    uid: str
    title: str
    day: date
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class CalendarSource:
    """Entries for a user's private calendar feed (app/calendar_feed/):
    `items(user, start, end)` returns the `CalendarItem`s of that user
    between two days. Shown only while the user holds `permission`."""

    title: str
    permission: str
    items: Callable[..., list[CalendarItem]] | str

    def __post_init__(self):
        refs.lazy_fields(self, "items")


@dataclass(frozen=True)
class RecordKind:
    """How people name a table's records, and the page that shows one: the
    audit log says "Gift #42" with a link instead of `pipeline_gift #42`.
    `endpoint` takes the record's id as `param`; records without a page of
    their own leave it out. (The API will name its resources from these.)"""

    table: str
    noun: str
    endpoint: str | None = None
    param: str = "id"
    permission: str | None = None  # needed to follow the link; None: whoever reads the audit log


@dataclass
class Module:
    """What a module declares. Only `name` and `title` are required.

    Every field that points at code takes a lazy reference,
    `"package.module:attr"` (app/refs.py), imported on first use, or the
    object itself: the manifest is imported even when the module is disabled.

    `seed(n, rng, progress)` adds demo/benchmark data for `flask seed
    --contacts N` (app/seed.py), called in dependency order after the modules
    this one requires: `n` is the number of contacts asked for (a module scales
    its own data to it), `rng` a `random.Random` seeded from `--seed` and the
    module's name (draw every random choice from it, and seed Faker from it, so
    the same seed gives the same data), and `progress(done, total, what="")`
    reports how far it got. Insert in chunks and commit after each."""

    name: str
    title: str
    requires: tuple[str, ...] = ()
    description: str = ""
    permissions: dict[str, str] = field(default_factory=dict)
    # Which built-in roles get a permission, when the suffix rule (see
    # app.permissions.default_roles_for) does not fit.
    role_defaults: dict[str, tuple[str, ...]] = field(default_factory=dict)
    blueprint: str | object | None = None  # "package.views:bp", imported only when enabled
    # Further blueprints mounted at a URL prefix of their own, outside
    # /<name>/: {"/help": "modules.helpdesk.public:bp"} (public pages).
    mounts: dict[str, str | object] = field(default_factory=dict)
    models: str | object | None = None  # "package.models", imported only when enabled
    migrations: str | None = None  # directory of this module's Alembic branch
    nav: list[NavItem] = field(default_factory=list)
    admin: list[AdminLink] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)
    jobs: list[JobHandler] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    mailboxes: list[MailboxKind] = field(default_factory=list)
    search: list[SearchProvider] = field(default_factory=list)
    calendar: list[CalendarSource] = field(default_factory=list)
    records: list[RecordKind] = field(default_factory=list)
    # Events for outgoing webhooks (app/webhooks/), registered only while enabled.
    webhook_events: list[WebhookEvent] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    # Which of these settings follow from the organisation's country, and
    # which fact of app/countries.py proposes them: {"default_country":
    # "phone_region"}. Setup and Admin → Organisation show and set them.
    country_settings: dict[str, str] = field(default_factory=dict)
    seed: Callable | str | None = None  # seed(n, rng, progress): see above
    # seeded() -> int: how many records of what `--contacts N` counts the
    # database already holds, so `flask seed` can refuse to pile demo data on
    # real data (only the module that owns contacts declares it).
    seeded: Callable[[], int] | str | None = None
    # Files under static/ that every page loads in <head> while the module is
    # enabled. Per-page links would be lost: boosted (HTMX) navigation swaps
    # only the body. Scripts load deferred; write them to act on the document
    # (event delegation) so content swapped in later needs nothing more.
    styles: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    cli: str | object | None = None  # "package.cli:group"
    # REST API resources: flask-smorest Blueprints, each usually one small
    # file ("package.api.gifts:blp"), mounted under /api/v1 only while the
    # module is enabled. Views declare permissions as pages do; see
    # docs/modules.md "API resources".
    api: list = field(default_factory=list)
    # What this module adds to another module's extension points, keyed by
    # that module's name: `extends={"contacts": ContactHooks(...)}`. The core
    # does not look inside; the named module collects these from the enabled
    # modules (see modules/contacts/hooks.py).
    extends: dict[str, object] = field(default_factory=dict)
    # What the report builder may report on: a list of
    # app.reporting.sources.Source, or a function returning one (called each
    # time, so custom fields appear at once). Read only while enabled.
    report_sources: list | Callable | str = field(default_factory=list)
    # Ready-made reports and the rollups that keep them fast
    # (app/reporting/standard.py: StandardReport, ReportRollup).
    # Each a list, or "package.module:NAME" naming one (imported only when used).
    standard_reports: list | str = field(default_factory=list)
    report_rollups: list | str = field(default_factory=list)
    version: str = "0"
    distribution: str = ""

    def __post_init__(self):
        refs.lazy_fields(self, "blueprint", "models", "seed", "seeded", "cli", "report_sources", "standard_reports",
                         "report_rollups")
        self.api = [refs.lazy(item) for item in self.api]
        refs.claim([self.blueprint, self.models, self.seed, self.seeded, self.cli, self.widgets, self.jobs,
                    self.schedules, self.mailboxes, self.search, self.calendar, self.extends,
                    self.webhook_events, self.api, self.report_sources, self.standard_reports,
                    self.report_rollups], self.name)

    def load_blueprint(self):
        return refs.resolve(self.blueprint)

    def load_mounts(self) -> list[tuple[str, object]]:
        return [(prefix, refs.resolve(refs.lazy(ref))) for prefix, ref in self.mounts.items()]

    def load_cli(self):
        return refs.resolve(self.cli)

    def load_api(self) -> list:
        """The module's API blueprints (imported now: only enabled modules are asked)."""
        return [refs.resolve(item) for item in self.api]

    def import_models(self) -> None:
        refs.resolve(self.models)


def migrations_dir(package_file: str) -> str:
    """`migrations=migrations_dir(__file__)` in a manifest."""
    return str(Path(package_file).resolve().parent / "migrations")


def discover() -> dict[str, Module]:
    """Every installed module, keyed by name, with its distribution's version."""
    found: dict[str, Module] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module = ep.load()
        if not isinstance(module, Module):
            raise ModuleError(
                f"steward: entry point {ep.name!r} ({ep.value}) is not a Module manifest"
            )
        if module.name != ep.name:
            raise ModuleError(
                f"steward: entry point {ep.name!r} declares a module named {module.name!r}"
            )
        if ep.dist is not None:
            module.version = ep.dist.version
            module.distribution = ep.dist.name
        found[ep.name] = module
    return found


def resolve(installed: dict[str, Module], wanted: Iterable[str] | None) -> list[Module]:
    """Enabled modules in dependency order, or a ModuleError that says why not."""
    names = list(installed) if wanted is None else list(dict.fromkeys(wanted))
    unknown = [n for n in names if n not in installed]
    if unknown:
        have = ", ".join(sorted(installed)) or "none"
        raise ModuleError(
            f"steward: STEWARD_MODULES names unknown module(s): {', '.join(unknown)} "
            f"(installed: {have})"
        )
    enabled = set(names)
    for name in names:
        missing = [r for r in installed[name].requires if r not in enabled]
        if missing:
            raise ModuleError(
                f"steward: module {name!r} requires {', '.join(repr(m) for m in missing)}, "
                f"which is not enabled; add it to STEWARD_MODULES"
            )
    ordered: list[Module] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(m.name == name for m in ordered):
            return
        if name in visiting:
            raise ModuleError(f"steward: modules require each other in a cycle at {name!r}")
        visiting.add(name)
        for dep in installed[name].requires:
            visit(dep)
        visiting.discard(name)
        ordered.append(installed[name])

    for name in sorted(names):
        visit(name)
    return ordered
