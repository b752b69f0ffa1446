"""Running wrk with report.lua and reading its result line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.accesslog import HEADER
from bench.settings import WRK_CONNECTIONS, WRK_THREADS

SCRIPT = Path(__file__).with_name("report.lua")
INSTALL_HINT = ("wrk is missing: install it with `apt-get install -y wrk` (Debian/Ubuntu, as root); "
                "`make bench` does that itself when run as root")


def require() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(f"bench: {INSTALL_HINT}")
    return path


def _figures(raw: dict) -> dict:
    """Client figures in ms and req/s from the raw (microsecond) result."""
    seconds = raw["duration_us"] / 1e6
    done = raw["requests"] > 0  # with none completed, wrk's percentiles are zeros, not figures
    ms = {key: round(raw[f"{key}_us"] / 1000, 2) if done else None for key in ("p50", "p95", "p99", "mean", "max")}
    return {"requests": raw["requests"], "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0, **ms,
            "bytes": raw["bytes"], "errors": {k: v for k, v in raw["errors"].items() if v}}


def parse(output: str) -> dict:
    """The figures of the BENCH_RESULT line report.lua prints."""
    for line in output.splitlines():
        if line.startswith("BENCH_RESULT "):
            return _figures(json.loads(line.removeprefix("BENCH_RESULT ")))
    raise RuntimeError("wrk printed no BENCH_RESULT line:\n" + output[-2000:])


def run(base_url: str, paths: list[str], tag: str, seconds: float, headers: dict[str, str],
        paths_file: Path) -> dict:
    """Drive `paths` (in turn) for `seconds` with the fixed concurrency."""
    paths_file.write_text("\n".join(paths) + "\n")
    command = [require(), f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(SCRIPT), "-H", f"{HEADER}: {tag}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [base_url + paths[0], "--", str(paths_file)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-2000:]}")
    return parse(done.stdout)
