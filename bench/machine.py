"""The machine a run measured on: CPU, cores, memory, load, commit."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import psutil

from bench.settings import ROOT


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def commit() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() or "unknown"


def describe() -> dict:
    cores = os.cpu_count() or 1
    load = os.getloadavg()
    return {
        "cpu": _cpu_model(),
        "cores": cores,
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_at_start": [round(x, 2) for x in load],
        # More runnable work than half the cores before we start: other jobs compete for the CPU.
        "busy": load[0] > cores / 2,
        "commit": commit(),
    }
