"""Running Steward's own `flask` commands, as a user would from the shell."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.settings import ROOT


def flask(args: list[str], env: dict, log: Path) -> tuple[str, float]:
    """Run `flask --app wsgi ARGS`; (its output, wall-clock seconds). Raises
    with the end of the output when the command fails."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ flask {' '.join(args)}  ({seconds:.1f} s, exit {done.returncode})\n{output}\n")
    if done.returncode != 0:
        raise RuntimeError(f"`flask {' '.join(args[:2])}` failed ({done.returncode}):\n{output[-3000:]}")
    return output, seconds
