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
