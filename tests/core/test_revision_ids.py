"""Every migration's revision id fits Alembic's version table on
PostgreSQL (alembic_version.version_num is VARCHAR(32)): a longer one
passes on SQLite and breaks every PostgreSQL upgrade."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def revision_ids() -> dict[str, str]:
    found = {}
    for path in [*ROOT.glob("migrations/versions/*.py"), *ROOT.glob("modules/*/migrations/*.py"),
                 *ROOT.glob("tests/plugin/steward_hello/migrations/*.py")]:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "revision" for t in node.targets):
                found[str(path.relative_to(ROOT))] = node.value.value
    return found


def test_every_revision_id_fits_postgresqls_version_table():
    ids = revision_ids()
    assert len(ids) > 30  # the walk found the migrations
    assert {path: rev for path, rev in ids.items() if len(rev) > 32} == {}
    assert len(set(ids.values())) == len(ids)  # and no two share an id
