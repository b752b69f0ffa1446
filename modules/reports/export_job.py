"""Large exports: the "reports.export" job writes the file under
instance/exports/ with progress, and the person who asked downloads it from
the job's page (modules/reports/views/export_jobs.py).

The job runs what its requester was allowed to run when they asked: the
views checked the source's permission before queueing it. Its query has a
longer time budget than a page's (REPORTS_EXPORT_SECONDS, 5 minutes)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import MultiDict

from modules.reports import exports

KIND = "reports.export"
DEFAULT_SECONDS = 300.0


def exports_dir() -> Path:
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job_id: int, fmt: str) -> Path:
    return exports_dir() / f"report-{int(job_id)}.{'xlsx' if fmt == 'xlsx' else 'csv'}"


def run_job(job, *, spec: dict, fmt: str, title: str, limit: int, **_ignored) -> dict:
    from app.jobs import job_progress
    from app.reporting.sources import all_sources
    from modules.contacts import hooks
    from modules.reports import query
    from modules.reports.spec import parse

    args = MultiDict([(k, str(v)) for k, vs in spec.items() for v in (vs if isinstance(vs, list) else [vs])])
    source = all_sources().get(args.get("source", ""))
    if source is None:
        raise LookupError(f"The report source {args.get('source')!r} is no longer enabled.")
    parsed, _ = parse(args, source, hooks.filter_specs() if source.contacts else None)
    if parsed.problems:
        raise ValueError("; ".join(parsed.problems))
    job_progress(job, 0, None, "Running the report")
    seconds = float(current_app.config.get("REPORTS_EXPORT_SECONDS", DEFAULT_SECONDS))
    result, _ = query.run(parsed, hooks.filter_specs() if source.contacts else None, limit=limit, seconds=seconds)
    total = len(result.rows)
    job_progress(job, 0, total, f"Writing {total:,} rows")
    path = job_file(job.id, fmt)
    partial = path.with_suffix(path.suffix + ".part")
    write = exports.to_xlsx if fmt == "xlsx" else exports.to_csv
    kwargs = {"title": title} if fmt == "xlsx" else {}
    body = write(result, progress=lambda n: job_progress(job, n, total), **kwargs)
    partial.write_bytes(body)
    os.replace(partial, path)
    job_progress(job, total, total, "Done")
    return {"rows": total, "format": fmt, "file": path.name, "title": title, "notes": result.notes}
