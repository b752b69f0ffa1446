"""BENCH_PROFILE=1: one pyinstrument profile per scenario, of one request
made in-process with Flask's test client after a warm-up request
(run as `python -m bench.profile SCENARIOS.json OUT_DIR` in the run's environment).

SCENARIOS.json: [{"key", "path", "headers", "cookie"}]; writes OUT_DIR/profile-<key>.html and .txt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(spec: str, out_dir: str) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("bench: BENCH_PROFILE=1 needs pyinstrument (pip install -r requirements.txt)") from None
    from wsgi import app

    client = app.test_client(use_cookies=False)  # send our Cookie header as it is
    for item in json.loads(Path(spec).read_text()):
        headers = {"Cookie": item["cookie"], **item["headers"]}
        client.get(item["path"], headers=headers)
        profiler = Profiler()
        with profiler:
            response = client.get(item["path"], headers=headers)
        target = Path(out_dir) / f"profile-{item['key']}.html"
        target.write_text(profiler.output_html())
        target.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        print(f"bench: profiled {item['key']} ({response.status_code}) -> {target}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
