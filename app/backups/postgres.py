"""PostgreSQL through its own tools: `pg_dump` for the backup, `pg_restore`
piped into `psql` for the restore. The password goes to them in the
environment (PGPASSWORD), never on the command line where `ps` shows it.

The restore runs in one transaction: it empties the schema (DROP SCHEMA ...
CASCADE) and loads the dump, so a dump that fails to load leaves the
database as it was, and nothing the backup does not hold (tables of a
failed upgrade) survives it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL

from app.backups import BackupError

# How long the restore waits for other sessions' locks (the web app or the
# worker still running) before it gives up, changing nothing.
LOCK_TIMEOUT = "30s"


def tool(name: str, search_path: str | None = None) -> str:
    """The path of a PostgreSQL client program, or a BackupError that says what to install."""
    found = shutil.which(name, path=search_path)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client programs "
            f"(Debian: apt install postgresql-client), the same major version as the server or newer"
        )
    return found


def _connection(url) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # (URL.set ignores None: build the URL again without the password.)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)
    conninfo = bare.render_as_string(hide_password=False)
    return conninfo, env


def _failed(what: str, stderr: str) -> BackupError:
    return BackupError(f"{what}: {stderr.strip() or 'no message'}")


def dump(url, out: Path) -> None:
    conninfo, env = _connection(url)
    done = subprocess.run([tool("pg_dump"), "--format=custom", f"--file={out}", f"--dbname={conninfo}"],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise _failed("pg_dump failed", done.stderr)


def load(url, dump_file: Path, schema: str) -> None:
    """Replace everything in `schema` (quoted already) with the dump's
    contents, all or nothing: psql gets BEGIN, the emptying, the script
    pg_restore writes, and COMMIT only once pg_restore has finished without
    error; psql stops at the first failed statement, and a transaction
    without COMMIT rolls back when psql exits."""
    conninfo, env = _connection(url)
    psql_program, restore_program = tool("psql"), tool("pg_restore")
    prelude = (f"BEGIN; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; "
               f"DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema};\n")
    with tempfile.TemporaryFile("w+") as restore_errors, tempfile.TemporaryFile("w+") as psql_errors:
        psql = subprocess.Popen(
            [psql_program, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={conninfo}"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env)
        # --clean --if-exists: a dump whose schema was made by hand (not the
        # database's default one) creates it again; the prelude emptied it.
        restore = subprocess.Popen(
            [restore_program, "--no-owner", "--no-privileges", "--clean", "--if-exists", "--file=-",
             str(dump_file)],
            stdout=subprocess.PIPE, stderr=restore_errors, env=env)
        try:
            psql.stdin.write(prelude.encode())
            shutil.copyfileobj(restore.stdout, psql.stdin, 1 << 20)
            if restore.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its message says which
        finally:
            restore.stdout.close()
            if restore.poll() is None:  # psql stopped first
                restore.kill()
            restore.wait()
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
            psql.wait()
        psql_errors.seek(0)
        restore_errors.seek(0)
        if psql.returncode != 0:
            raise _failed("loading the dump failed, and the database was left as it was", psql_errors.read())
        if restore.returncode != 0:
            raise _failed("pg_restore failed, and the database was left as it was", restore_errors.read())
