"""Where an import keeps its file and how it tunes SQLite while it runs: the
file in a table of its own (the run's row, saved every few chunks, stays
small), imports made before that move keep their files, and the bigger page
cache an import runs with is given back when it ends."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from app import create_app, page_cache
from app.extensions import db
from modules.contacts.importer.run import execute, new_run
from modules.contacts.models import ImportFile, ImportRun
from tests.conftest import app_config

FILE = b"First name,Last name,Email\nAnn,Archer,ann@example.org\nBob,Baker,bob@example.org\n"


def test_the_file_lives_in_its_own_table_and_goes_with_its_run(app):
    with app.app_context():
        run = new_run(FILE, "people.csv")
        db.session.commit()
        run_id = run.id
        assert "data" not in {c["name"] for c in inspect(db.engine).get_columns("contacts_import")}
        assert db.session.scalar(select(ImportFile.data).where(ImportFile.import_id == run_id)) == FILE
        db.session.expire_all()
        assert db.session.get(ImportRun, run_id).data == FILE
        db.session.delete(db.session.get(ImportRun, run_id))
        db.session.commit()
        assert db.session.scalar(select(ImportFile.import_id).where(ImportFile.import_id == run_id)) is None


def test_an_import_runs_with_a_bigger_page_cache_and_gives_it_back(app):
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

        def cache_size():
            return db.session.execute(text("PRAGMA cache_size")).scalar() if sqlite else None

        before = cache_size()
        run = new_run(FILE, "people.csv")
        run.status = "mapped"
        db.session.commit()
        during = []

        def progress(done, total):
            during.append(cache_size())
            db.session.commit()

        execute(run, progress=progress)
        assert run.created == 2
        if sqlite:
            assert during == [-page_cache.CACHE_KIB] != [before]
            assert cache_size() == before
        else:  # PostgreSQL: a server setting, left alone
            assert during == [None]


def test_imports_made_before_keep_their_files_when_upgrading(app, tmp_path):
    """contacts_0003 moves each import's file out of contacts_import. A fresh
    SQLite file of its own (as in tests/core/test_modules_migrations.py)."""
    fresh = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                                  REDIS_URL=app.extensions["steward"].redis_url))
    cli = fresh.test_cli_runner()
    result = cli.invoke(args=["db", "upgrade", "contacts_0002"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        db.session.execute(text(
            "INSERT INTO contacts_import (id, filename, data, status, headers, mapping, match_rule, on_match, on_new,"
            " rows_total, created, updated, skipped, failed, created_at) VALUES (7, 'old.csv', :data, 'finished',"
            " '[]', '{}', 'email', 'update', 'create', 2, 2, 0, 0, 0, '2026-01-02 03:04:05')"), {"data": FILE})
        db.session.commit()
    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        run = db.session.get(ImportRun, 7)
        assert (run.filename, run.data, run.created) == ("old.csv", FILE, 2)
        db.session.remove()
        db.engine.dispose()
