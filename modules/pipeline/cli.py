"""`flask pipeline ...`: the pipeline & giving module's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.group(help="Pipeline & giving: import gifts, rebuild the daily gift totals.")
def group():
    pass


MATCH = {"email": "email", "name+postcode": "name_postcode"}


@group.command("import-gifts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--match", "match", type=click.Choice(list(MATCH)), default="email", show_default=True,
              help="How to find each gift's donor among the contacts.")
@click.option("--create-donors", is_flag=True, help="Create a donor who is not found as a new contact "
                                                    "(otherwise the row fails).")
@click.option("--create-funds", is_flag=True, help="Create the funds and appeals the file names that do not exist "
                                                   "yet (otherwise their rows fail). Undo removes them again.")
@click.option("--dry-run", is_flag=True, help="Check every row and find the donors; change nothing.")
@with_appcontext
def import_gifts(file: Path, match: str, create_donors: bool, create_funds: bool, dry_run: bool):
    """Import gifts from a CSV or XLSX FILE; columns are recognised by their
    headers (email, first name, last name, postcode, amount, date, fund,
    appeal, payment method, reference, anonymous, notes)."""
    from modules.contacts.importer.reading import FileProblem
    from modules.contacts.importer.unknown_values import create_all
    from modules.pipeline.gift_import import fields, run
    from modules.pipeline.gift_import.closed_lists import CREATABLE

    try:
        imp = run.new_import(file.read_bytes(), file.name)
    except FileProblem as problem:
        raise click.ClickException(str(problem)) from None
    imp.match_rule, imp.create_donors = MATCH[match], create_donors
    problems = fields.problems(imp.mapping, imp.match_rule)
    if problems:
        db.session.rollback()
        raise click.ClickException(" ".join(problems))
    mapped = ", ".join(f"{h} → {fields.LABELS[k]}" for h, k in imp.mapping.items() if k)
    click.echo(f"Columns: {mapped}")
    unknown = run.preview(imp, limit=None, keep_rows=False).unknowns  # every row: the values no list knows
    if create_funds:
        imp.value_choices = create_all(unknown, imp.value_choices or {}, tuple(CREATABLE))
    _echo_unknown(unknown, create_funds, dry_run)
    if dry_run:
        result = run.preview(imp, limit=None, keep_rows=False)
        db.session.rollback()
        click.echo(f"Dry run: {result.ok} row(s) ready ({result.matched} with a matching contact, "
                   f"{result.new_donors} with a new donor), {result.problems} with problems. Nothing was changed.")
        _echo_problems(result.rows)
        return
    with click.progressbar(length=imp.rows_total, label="Importing gifts", file=sys.stderr) \
            as bar:
        state = {"done": 0}

        def progress(done, total):
            db.session.commit()
            bar.update(done - state["done"])
            state["done"] = done

        run.execute(imp, progress=progress)
    db.session.commit()
    click.echo(f"Imported {imp.created} gift(s), created {imp.donors_created} donor(s); {imp.failed} row(s) "
               f"failed. Import #{imp.id}: see it, download the failed rows or undo it under Giving → Import gifts.")


def _echo_unknown(unknown, create_funds: bool, dry_run: bool) -> None:
    from modules.pipeline.gift_import.closed_lists import CREATABLE

    for item in unknown:
        create = create_funds and item.closed.key in CREATABLE
        click.echo(f"  {item.closed.noun} “{item.value}” ({item.rows} row(s)): "
                   + (("to be created" if dry_run else "created") if create else "not known; its rows fail")
                   + ("" if create or item.closed.key not in CREATABLE else " (--create-funds creates it)"))


def _echo_problems(rows, limit: int = 20) -> None:
    for row in rows[:limit]:
        click.echo(f"  row {row.line}: {'; '.join(row.problems)}")
    if len(rows) > limit:
        click.echo(f"  … and {len(rows) - limit} more")


@group.command("rebuild-rollup")
@with_appcontext
def rebuild_rollup():
    """Recompute the daily gift totals the dashboard chart reads from the
    gifts themselves (the gift service keeps them in step; this is for a
    database whose gifts were changed by hand)."""
    from modules.pipeline import gift_rollup

    days = gift_rollup.rebuild()
    db.session.commit()
    click.echo(f"Rebuilt the daily gift totals: {days} day(s) with gifts.")
