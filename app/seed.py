"""`flask seed`: demo and benchmark data from every enabled module.

Each enabled module with a `seed` hook is called in dependency order (so
contacts exist before the modules that hang things on them) as
`seed(n, rng, progress)`; see `app.registry.Module`. Every module gets its own
`random.Random`, derived from `--seed` and its name, so the same seed gives the
same data, and enabling another module does not change what this one makes.
"""

from __future__ import annotations

import random
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import bindparam, text


def existing_contacts() -> int:
    """How many contacts the database holds, as the enabled modules count
    them (their `seeded` hooks); 0 when no module declares one."""
    return sum(m.seeded() for m in current_app.extensions["steward"].enabled if m.seeded is not None)


def module_rng(seed: int, name: str) -> random.Random:
    return random.Random(f"steward-seed:{seed}:{name}")


def plain_indexes(tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the plain (not unique) indexes on
    `tables`, as the database itself has them: what a bulk seed into empty
    tables drops first and builds again at the end, each in one sorted pass,
    instead of inserting into every index at random places row by row."""
    from app.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        query = text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                     "AND tablename IN :tables AND indexdef NOT LIKE 'CREATE UNIQUE %' ORDER BY indexname")
    else:
        query = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN :tables "
                     "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' ORDER BY name")
    query = query.bindparams(bindparam("tables", expanding=True))
    return [(name, sql) for name, sql in db.session.execute(query, {"tables": tuple(tables)})]


def drop_indexes(indexes: list[tuple[str, str]]) -> None:
    from app.extensions import db

    quote = db.session.get_bind().dialect.identifier_preparer.quote
    for name, _ in indexes:
        db.session.execute(text(f"DROP INDEX {quote(name)}"))


def create_indexes(indexes: list[tuple[str, str]]) -> None:
    from app.extensions import db

    for _, create in indexes:
        db.session.execute(text(create))


def foreign_keys(tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """PostgreSQL: (table, name, definition) of the foreign keys of
    `tables`, which a bulk seed drops with the plain indexes and adds back
    at the end, each checked in one pass, instead of a check for every row
    inserted that also locks the row it points to (writing to that row's
    page): most of the time a million-contact giving seed spent. [] on
    SQLite, whose checks are plain look-ups and whose keys cannot be dropped."""
    from app.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return []
    query = text("SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                 "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                 "WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname IN :tables ORDER BY 1, 2")
    query = query.bindparams(bindparam("tables", expanding=True))
    return [tuple(row) for row in db.session.execute(query, {"tables": tuple(tables)})]


def drop_foreign_keys(keys: list[tuple[str, str, str]]) -> None:
    from app.extensions import db

    quote = db.session.get_bind().dialect.identifier_preparer.quote
    for table, name, _ in keys:
        db.session.execute(text(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}"))


def add_foreign_keys(keys: list[tuple[str, str, str]]) -> None:
    from app.extensions import db

    quote = db.session.get_bind().dialect.identifier_preparer.quote
    for table, name, definition in keys:
        db.session.execute(text(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"))


def run(contacts: int, seed: int = 1, *, echo=click.echo) -> dict[str, float]:
    """Call every enabled module's seed hook; returns seconds per module."""
    from app.extensions import db

    timings: dict[str, float] = {}
    for module in current_app.extensions["steward"].enabled:
        if module.seed is None:
            continue
        started = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int, what: str = "", *, _name=module.name, _last=last,
                     _started=started) -> None:
            now = time.perf_counter()
            if done >= total or now - _last[0] >= 1:  # at most one line a second
                _last[0] = now
                echo(f"  {_name}: {' '.join(filter(None, (f'{done:,}/{total:,}', what)))}"
                     f" ({now - _started:.1f} s)")

        echo(f"Seeding {module.title}…")
        module.seed(contacts, module_rng(seed, module.name), progress)
        db.session.commit()
        timings[module.name] = time.perf_counter() - started
    return timings


@click.command("seed")
@click.option("--contacts", "count", type=click.IntRange(min=1), required=True,
              help="How many contacts to create; other modules scale their data to it.")
@click.option("--seed", "seed", type=int, default=1, show_default=True,
              help="The same seed gives the same data.")
@click.option("--append", is_flag=True, help="Add to a database that already has contacts.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing, successfully, when the database already has contacts (make demo).")
@with_appcontext
def seed_command(count: int, seed: int, append: bool, if_empty: bool):
    """Fill the database with realistic demo data (Faker).

    Not for a live database: the seed holds the write lock while it writes. Into
    a database without contacts, 20,000 or more go in as one transaction per
    module (contacts, then giving), each holding the lock for its whole run
    (minutes at a million contacts: every other writer waits, then fails) and
    leaving nothing behind if stopped; smaller seeds and --append commit every
    5,000 contacts. See docs/deploy.md.
    """
    have = existing_contacts()
    if have and if_empty:
        click.echo(f"The database already has {have:,} contacts; no demo data added.")
        return
    if have and not append:
        raise click.ClickException(
            f"the database already has {have:,} contacts; use --append to add more anyway")
    started = time.perf_counter()
    timings = run(count, seed)
    elapsed = time.perf_counter() - started
    from app.dbstats import refresh_statistics

    refresh_statistics()  # a freshly filled database needs planner statistics (app/dbstats.py)
    if not timings:
        click.echo("No enabled module has demo data.")
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    click.echo(f"Seeded {count:,} contacts (seed {seed}) in {elapsed:.1f} s" + (f" ({parts})." if parts else "."))
