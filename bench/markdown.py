"""docs/benchmarks.md: one section per (database, size), each run replacing
its own between `<!-- bench:KEY -->` and `<!-- /bench:KEY -->`."""

from __future__ import annotations

from bench.targets import verdict

DB_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def replace_section(document: str, key: str, body: str) -> str:
    """`document` with the section `key` replaced by `body` (or `body`
    appended as a new section at the end)."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    head, found, rest = document.partition(start)
    if found:
        _, closed, tail = rest.partition(end)
        if not closed:
            raise ValueError(f"docs section {key!r} has no closing marker {end!r}")
        return head + block + tail
    return document.rstrip("\n") + "\n\n" + block + "\n"


def _ms(figures: dict | None) -> str:
    if not figures or figures.get("p50") is None:
        return "—"
    return " / ".join(f"{figures[p]:.1f}" for p in ("p50", "p95", "p99"))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _mb(figures: dict) -> str:
    n = figures["processes"]
    return f"{figures['pss']:.0f} MB PSS ({figures['rss']:.0f} MB RSS, {n} process{'' if n == 1 else 'es'})"


def _scenario_row(s: dict) -> str:
    if not s["available"]:
        return f"| {s['title']} | not available | | | | | {s['note']} |"
    target = s.get("target")
    limit = f"≤ {target['limit_ms']:g} ms" if target else ""
    ok = verdict(target["pass"]) if target else ""
    rps = f"{s['client']['rps']:,.0f}" if s.get("client") else "—"
    note = s["note"]
    if s.get("problems"):
        problems = s["problems"]
        failed = [f"{n:,} × HTTP {code}" for code, n in problems["statuses"].items()]
        failed += [f"{n:,} × {kind} error" for kind, n in problems["wrk_errors"].items() if kind != "status"]
        note += (" " if note else "") + f"**failed: {', '.join(failed) or 'see the JSON report'}**"
    return (f"| {s['title']} | {_ms(s.get('server'))} | {_ms(s.get('client'))} | {rps} | "
            f"{_pct(s.get('ratio_to_hello'))} | {limit} {ok} | {note} |")


def _gifts(report: dict) -> str:
    """", 500,123 gifts (topped up to 5 a contact)" when the run counted them."""
    if report.get("gifts") is None:
        return ""
    per = report.get("gifts_per_contact")
    return f", {report['gifts']:,} gifts" + (f" (topped up to {per} a contact)" if per else "")


def _at(step: dict) -> str:
    return f" at commit {step['commit']}" if step.get("commit") else ""


def section(report: dict) -> str:
    m, run, seed = report["machine"], report["run"], report["seed"]
    db = DB_NAMES.get(report["database"], report["database"])
    lines = [f"## {db}, {report['contacts']:,} contacts", ""]
    busy = (f"; load average {m['load_at_start'][0]} at the start on {m['cores']} cores: **the machine was busy, "
            "figures are noisy**") if m["busy"] else f"; load average {m['load_at_start'][0]} at the start"
    lines.append(f"Run {report['date']} on {m['cpu']} ({m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, "
                 f"Python {m['python']}){busy}. Commit {m['commit']}.")
    if report.get("note"):
        lines.append(f"Note: {report['note']}")
    seeded = (f"seeded {seed['seeded_at'][:10]}{_at(seed)} in {seed['seconds']} s, reused from the cache"
              if seed.get("cached") else f"seeded in this run in {seed['seconds']} s")
    if seed.get("no_cache"):
        seeded += f" (not cached: {seed['no_cache']})"
    for step in seed.get("upgrades", []):
        seeded += (f"; upgraded {step['at'][:10]}{_at(step)} by `flask db upgrade` ({step['upgrade_seconds']} s)"
                   + (f" and `flask reports rebuild` ({step['rebuild_seconds']} s)" if "rebuild_seconds" in step
                      else ""))
    lines += ["", f"wrk -t{run['wrk_threads']} -c{run['wrk_connections']}, {run['duration']:g} s per page after "
              f"{run['warmup']:g} s of warm-up; gunicorn {run['gunicorn']}. Data: {seeded}{_gifts(report)}. "
              f"Latency targets: {report['targets_tier']}.", "",
              "| Page | Server p50 / p95 / p99 ms | Client p50 / p95 / p99 ms | req/s | vs hello | "
              "Target (server p95) | Notes |",
              "| --- | --- | --- | ---: | ---: | --- | --- |"]
    hello = report["hello"]
    lines.append(f"| Hello (bare Flask) | {_ms(hello.get('server'))} | {_ms(hello['client'])} | "
                 f"{hello['client']['rps']:,.0f} | 100% | | the ceiling |")
    lines += [_scenario_row(s) for s in report["scenarios"]]
    lines += ["", "| Figure | Value | Target |", "| --- | --- | --- |"]
    if report.get("import"):
        imp = report["import"]
        lines.append(f"| Import, {imp['rows']:,} CSV rows ({imp['matching_rows']:,} matching by email) | "
                     f"{imp['rows_per_s']:,} rows/s ({imp['seconds']} s: {imp.get('created', 0):,} created, "
                     f"{imp.get('updated', 0):,} updated, {imp.get('failed', 0):,} failed) | "
                     f"{_check(report, 'Import')} |")
    if report.get("send"):
        send = report["send"]
        lines.append(f"| Campaign send, {send['recipients']:,} recipients to a loopback SMTP sink, one worker | "
                     f"{send['messages_per_s']} messages/s ({send['seconds']} s, {send['sent']:,} sent, "
                     f"{send['failed']:,} failed) | {_check(report, 'Campaign send rate')} |")
        lines.append(f"| Campaign send: work horse peak RSS | {send['work_horse_peak_rss_mb']} MB | "
                     f"{_check(report, 'Send worker RSS')} |")
    if report.get("freeze"):
        fr = report["freeze"]
        left = ", ".join(f"{n:,} {why.replace('_', ' ')}" for why, n in fr["excluded"].items()) or "none"
        lines.append(f"| Audience freeze, {fr['recipients']:,} recipients ({fr['audience']}; left out: {left}) | "
                     f"{fr['seconds']} s ({fr['command_seconds']} s the whole command) | "
                     f"{_check(report, 'Audience freeze')} |")
    if report.get("ingest"):
        ing = report["ingest"]
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in ing["kinds"].items())
        checked = "counts checked" if not ing["problems"] else f"**counts wrong: {'; '.join(ing['problems'])}**"
        lines.append(f"| Helpdesk ingest, {ing['messages']:,} messages from a Maildir ({kinds}), one process | "
                     f"{ing['messages_per_s']} messages/s ({ing['seconds']} s, {ing['tickets_made']:,} tickets made, "
                     f"{checked}) | {_check(report, 'Helpdesk ingest')} |")
    if report.get("campaign_history"):
        lines.append(f"| Campaign history | {report['campaign_history']:,} recipient rows | |")
    tickets = report.get("tickets") or {}
    if tickets.get("tickets") is not None:
        lines.append(f"| Helpdesk data | {tickets['tickets']:,} tickets, {tickets['messages']:,} messages | |")
    history = seed.get("campaign_history")
    extra = (f" (+ {history['seconds']} s adding {history['added']} past campaigns)" if history else "")
    lines.append(f"| Seed, {report['contacts']:,} contacts | {seed['seconds']} s"
                 f"{' (cached)' if seed.get('cached') else ''}{extra} | |")
    memory = report["memory"]
    for phase, label in (("idle", "idle"), ("load", "peak under load")):
        for group, name in (("web", "web (gunicorn master + 2 workers)"), ("rq", "RQ worker"), ("redis", "Redis")):
            lines.append(f"| Memory {label}: {name} | {_mb(memory[phase][group])} | |")
        target = _check(report, "Idle memory (PSS total)") if phase == "idle" else ""
        lines.append(f"| Memory {label}: total | {_mb(memory[phase]['total'])} | {target} |")
    lines.append(f"| List page HTML | {report['list_html_bytes']:,} bytes | {_check(report, 'List page HTML')} |")
    lines.append(f"| List throughput vs hello | {_pct(_value(report, 'List throughput vs hello'))} | "
                 f"{_check(report, 'List throughput vs hello')} |")
    return "\n".join(lines)


def _find(report: dict, name: str) -> dict | None:
    return next((c for c in report["checks"] if c["name"] == name), None)


def _value(report: dict, name: str):
    check = _find(report, name)
    return check["value"] if check else None


def _check(report: dict, name: str) -> str:
    check = _find(report, name)
    return f"{check['target']} {verdict(check['pass'])}" if check else ""
