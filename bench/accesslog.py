"""Server-side latency from gunicorn's access log.

Every request wrk sends carries an `X-Bench: <scenario>` header; the log
format below writes it with the request time in microseconds (`%(D)s`: from
the worker accepting the request to the response being written), so each
scenario's server-side percentiles come from its own lines.
"""

from __future__ import annotations

import re
from pathlib import Path

HEADER = "X-Bench"
FORMAT = '%(s)s %(D)s "%({x-bench}i)s" "%(r)s"'
_LINE = re.compile(r'^(?P<status>\d{3}) (?P<us>\d+) "(?P<tag>[^"]*)" ')


def read(path: Path) -> dict[str, dict]:
    """{tag: {"ms": [durations], "statuses": {status: count}}} for tagged lines."""
    out: dict[str, dict] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _LINE.match(line)
            if not match or match["tag"] in ("", "-"):
                continue
            entry = out.setdefault(match["tag"], {"ms": [], "statuses": {}})
            entry["ms"].append(int(match["us"]) / 1000)
            entry["statuses"][match["status"]] = entry["statuses"].get(match["status"], 0) + 1
    return out

