"""Writing a run's results: the JSON report under build/bench/, the latest
one under bench/results/, and its section of docs/benchmarks.md.

`python -m bench.report bench/results/sqlite-100000.json` renders a saved
report's section again (after a change to the layout), figures untouched.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import markdown
from bench.settings import BUILD, ROOT

DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"


def write(report: dict) -> list[Path]:
    label = f"{report['database']}-{report['contacts']}"
    stamp = report["date"].replace("-", "").replace(":", "").replace(" ", "-").removesuffix("-UTC")
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    dated = BUILD / f"report-{stamp}-{label}.json"
    latest = RESULTS / f"{label}.json"
    for path in (dated, latest):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    update_doc(report)
    return [dated, latest, DOC]


def update_doc(report: dict) -> None:
    label = f"{report['database']}-{report['contacts']}"
    document = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    DOC.write_text(markdown.replace_section(document, label, markdown.section(report)), encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        update_doc(json.loads(Path(name).read_text(encoding="utf-8")))
