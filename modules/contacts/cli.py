"""`flask contacts ...`: the contacts module's commands, for cron and scripts.

The group is named by the module (the core adds it as `contacts`); other
contacts commands (export, ...) add themselves to `group` here.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.group(help="Contacts: import and export files.")
def group():
    pass


MATCH = {"email": "email", "name+postcode": "name_postcode", "none": "none"}


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", help="A saved column mapping to apply (by name).")
@click.option("--match", "match", type=click.Choice(list(MATCH)), default="email", show_default=True,
              help="How to find existing contacts.")
@click.option("--on-match", type=click.Choice(["update", "skip"]), default="update", show_default=True)
@click.option("--on-new", type=click.Choice(["create", "skip"]), default="create", show_default=True)
@click.option("--dry-run", is_flag=True, help="Check and match every row, print the summary, change nothing.")
@with_appcontext
def import_command(file: Path, mapping_name, match, on_match, on_new, dry_run):
    """Import contacts from a CSV or XLSX FILE, as the five-step import does."""
    from modules.contacts.importer import mapping, plan, reading
    from modules.contacts.importer.run import execute, new_run
    from modules.contacts.models import ImportMapping

    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from None
    try:
        run = new_run(data, file.name)
    except reading.FileProblem as problem:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {problem}") from None
    targets = mapping.targets()
    if mapping_name:
        saved = db.session.scalar(db.select(ImportMapping).where(ImportMapping.name == mapping_name))
        if saved is None:
            db.session.rollback()
            raise click.ClickException(f"no saved mapping named {mapping_name!r}")
        found, applied = mapping.apply_saved(run.headers, saved, {t.key for t in targets})
        run.mapping = {**run.mapping, **found}
        click.echo(f"Mapping “{saved.name}” applied to {applied} of {len(run.headers)} columns.")
    problems = mapping.problems(run.mapping, {t.key: t.label for t in targets})
    labels = {t.key: t.label for t in targets}
    for header in run.headers:
        key = run.mapping.get(header)
        click.echo(f"  {header} → {labels[key] if key else '(not imported)'}")
    if problems:
        db.session.rollback()
        raise click.ClickException("the columns cannot be imported: " + " ".join(problems))
    run.match_rule, run.on_match, run.on_new, run.status = MATCH[match], on_match, on_new, "mapped"
    if dry_run:
        result = plan.preview(run, limit=None, shown=0, problems=20)
        db.session.rollback()  # nothing is kept
        c = result.counts
        click.echo(f"{result.checked:,} rows: {c['create']:,} new, {c['update']:,} match existing contacts "
                   f"(update), {c['skip_match'] + c['skip_new']:,} skipped, {c['fail']:,} have problems "
                   "and would be skipped.")
        for item in result.problems:
            click.echo(f"  row {item.row.line}: {item.row.problem_text()}")
        if result.problem_rows > len(result.problems):
            click.echo(f"  … and {result.problem_rows - len(result.problems):,} more rows with problems.")
        if result.similar_rows:
            looks = "looks like an existing contact" if result.similar_rows == 1 else "look like existing contacts"
            click.echo(f"{result.similar_rows:,} of the new rows {looks} and would be created as new:")
            for item in result.similar:
                click.echo(f"  row {item.row.line}: {item.similar_text()}")
        click.echo("Dry run: nothing was changed.")
        return
    db.session.commit()
    run = execute(run, None, progress=lambda done, total: (db.session.commit(),
                                                           click.echo(f"  {done:,} of {total:,} rows", err=True)))
    from app.dbstats import refresh_statistics

    refresh_statistics()  # the planner's statistics, after the data changed shape (app/dbstats.py)
    click.echo(f"Import #{run.id} of {run.filename}: {run.created:,} created, {run.updated:,} updated, "
               f"{run.skipped:,} skipped, {run.failed:,} failed.")
    if run.failed:
        click.echo("The failed rows and why: download them from the import's page in Contacts → Import.")


@group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--segment", "segment_name", help="Export this saved segment (by name) instead of every contact.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]),
              help="File format; by default from FILE's extension (.xlsx, else csv).")
@with_appcontext
def export_command(file: Path, segment_name, fmt):
    """Export contacts to a CSV or XLSX FILE, in the same layout as the web export."""
    from modules.contacts.lists import export
    from modules.contacts.models import Segment

    fmt = fmt or ("xlsx" if file.suffix.lower() == ".xlsx" else "csv")
    if segment_name:
        segment = db.session.scalar(db.select(Segment).where(Segment.name == segment_name))
        if segment is None:
            raise click.ClickException(f"no saved segment named {segment_name!r}")
        source = export.Source("segment", segment_id=segment.id, segment_name=segment.name)
    else:
        source = export.Source("list")
    ids_select = source.ids_select()
    try:
        with open(file, "wb") as out:
            n = export.write(ids_select, fmt, out)
    except OSError as error:
        raise click.ClickException(f"cannot write {file}: {error.strerror}") from None
    export.record(n, fmt, source, actor="command line")
    db.session.commit()
    click.echo(f"Exported {n:,} contacts to {file} ({fmt.upper()}).")
