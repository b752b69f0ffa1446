"""`flask reports ...`: the reports module's commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.group(help="Reports: rebuild the rollups the standard reports read.")
def group():
    pass


@group.command("rebuild")
@with_appcontext
def rebuild():
    """Recompute every enabled module's report rollups from their source rows
    (the services that write the data keep them in step; this is for data
    changed by hand or restored from elsewhere), then check each against a
    full recomputation."""
    from app.reporting import standard

    found = standard.rollups()
    if not found:
        click.echo("No module keeps report rollups.")
        return
    failed = False
    for module, rollup in found:
        rows = rollup.rebuild()
        db.session.commit()
        ok = rollup.in_step()
        failed = failed or not ok
        click.echo(f"{rollup.title} ({module}): {rows:,} row(s), "
                   f"{'equal to a full recomputation' if ok else 'NOT equal to a full recomputation'}.")
    if failed:
        raise SystemExit(1)


@group.command("readonly-role")
@click.option("--name", default="steward_reporting", show_default=True, help="The PostgreSQL role to create or update.")
@click.option("--password", envvar="STEWARD_REPORTING_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Its password (or STEWARD_REPORTING_PASSWORD).")
@with_appcontext
def readonly_role(name, password):
    """Create or update a PostgreSQL role for Metabase, Superset and other
    outside tools: it reads the views in the schema "reporting" (contacts
    without trashed or erased ones, gifts, opportunities, funds) and
    nothing else. Needs a database user allowed to create roles."""
    from modules.reports import readonly

    if db.engine.dialect.name != "postgresql":
        click.echo("The read-only reporting role is for PostgreSQL only: SQLite has no roles or "
                   "schemas. Copy the database file for an outside tool, or move to PostgreSQL.")
        raise SystemExit(1)
    try:
        with db.engine.begin() as connection:
            views = readonly.ensure_role(connection, name, password)
    except ValueError as problem:
        raise click.BadParameter(str(problem), param_hint="--name") from None
    click.echo(f"The role {name} can read: " + ", ".join(f"reporting.{v}" for v in views) + ".")
    click.echo("It can read nothing else. Connect your tool with it; see docs/reports.md.")
