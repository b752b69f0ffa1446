"""Memory of the web server (gunicorn master and workers), the RQ worker and
Redis: RSS and PSS per group, and their total.

RSS counts every page a process maps, so forked workers sharing the
master's pages are counted once per process; PSS divides each shared page
among the processes sharing it, so the PSS of a group adds up honestly.
"""

from __future__ import annotations

import threading

import psutil

MB = 1024 * 1024


def _processes(root: int, tree: bool) -> list[psutil.Process]:
    try:
        parent = psutil.Process(root)
        return [parent, *parent.children(recursive=True)] if tree else [parent]
    except psutil.NoSuchProcess:
        return []


def snapshot(groups: dict[str, tuple[int | None, bool]]) -> dict:
    """`groups` maps a name to (root pid, include its descendants).
    Returns {name: {"rss", "pss" (MB), "processes"}, ..., "total": {...}}."""
    out: dict[str, dict] = {}
    for name, (pid, tree) in groups.items():
        rss = pss = 0
        count = 0
        for process in _processes(pid, tree) if pid else []:
            try:
                info = process.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            count += 1
        out[name] = {"rss": round(rss / MB, 1), "pss": round(pss / MB, 1), "processes": count}
    out["total"] = {"rss": round(sum(g["rss"] for g in out.values()), 1),
                    "pss": round(sum(g["pss"] for g in out.values()), 1),
                    "processes": sum(g["processes"] for g in out.values())}
    return out


class PeakSampler:
    """Samples in a thread while load runs; keeps each group's highest PSS
    sample (with its RSS) and the highest total."""

    def __init__(self, groups: dict[str, tuple[int | None, bool]], every: float = 0.5):
        self.groups, self.every = groups, every
        self.peak: dict[str, dict] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, figures in snapshot(self.groups).items():
                if figures["pss"] > self.peak.get(name, {"pss": -1})["pss"]:
                    self.peak[name] = figures
            self._stop.wait(self.every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
