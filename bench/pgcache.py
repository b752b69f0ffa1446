"""PostgreSQL databases as the bench's cache of a seeded database.

A cache is a database of the same server made by `CREATE DATABASE … TEMPLATE`
(a file copy: minutes for gigabytes, where a million-contact seed takes an
hour), and its meta (what `database._seed` returns) is the database's
comment, so the cache needs nothing outside the server. The statements run
on a connection to the maintenance database in autocommit: CREATE and DROP
DATABASE refuse a transaction, and a database being copied or dropped may
have no session, ours included.
"""

from __future__ import annotations

import hashlib
import json
import time

import psycopg
from psycopg.sql import SQL, Identifier, Literal
from sqlalchemy.engine import URL, make_url

MAINTENANCE_DATABASE = "postgres"
NAME_BYTES = 63  # PostgreSQL cuts a longer name (NAMEDATALEN - 1), and the cut one would not be found again
BUILDING = "_new"  # the suffix of a cache while it is copied, before it takes its name
FILE_COPY_FROM = 150000  # server_version_num: STRATEGY = FILE_COPY, instead of writing every block to the WAL
DROP_FORCE_FROM = 130000  # server_version_num: DROP DATABASE … WITH (FORCE)


def url(database_url: str) -> URL:
    """DATABASE_URL as a libpq URL (any `+driver` or the `postgres://` spelling dropped)."""
    return make_url(database_url).set(drivername="postgresql")


def maintenance(database_url: str) -> psycopg.Connection:
    """An autocommit connection to the maintenance database of DATABASE_URL's server, as DATABASE_URL's role."""
    admin = url(database_url).set(database=MAINTENANCE_DATABASE)
    return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)


def cache_name(target: str, size_and_seed: str, key: str) -> str:
    """`<target>__bench_<size_and_seed>_<key>`. A target name too long for
    that (and the suffix of a cache being copied) within PostgreSQL's 63
    bytes is cut and given a hash of itself, so two long names stay apart."""
    suffix = f"__bench_{size_and_seed}_{key}"
    room = NAME_BYTES - len(BUILDING) - len(suffix.encode())
    if len(target.encode()) <= room:
        return target + suffix
    cut = target.encode()[:room - 9].decode(errors="ignore")
    return f"{cut}_{hashlib.sha256(target.encode()).hexdigest()[:8]}{suffix}"


def _version(server: psycopg.Connection) -> int:
    return int(server.execute("SELECT current_setting('server_version_num')").fetchone()[0])


def refusal(server: psycopg.Connection, databases: list[str]) -> str | None:
    """Why this role cannot keep or use caches, with the statement that
    grants it; None when it can. CREATE DATABASE needs CREATEDB; dropping a
    database, or copying one not marked as a template, needs its ownership."""
    role, can_create = server.execute("SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
                                      "WHERE rolname = current_user").fetchone()
    if not can_create:
        return f"the role {role} lacks CREATEDB (grant it: ALTER ROLE {role} CREATEDB;)"
    not_owned = [name for (name,) in server.execute(
        "SELECT datname FROM pg_database WHERE datname = ANY(%s) AND NOT pg_has_role(datdba, 'USAGE')",
        [databases])]
    if not_owned:
        return (f"the role {role} does not own the database {not_owned[0]}, which it must drop or copy "
                f"(ALTER DATABASE {not_owned[0]} OWNER TO {role};)")
    return None


def exists(server: psycopg.Connection, name: str) -> bool:
    return server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _parsed(comment: str | None) -> dict | None:
    try:
        return json.loads(comment) if comment else None
    except ValueError:
        return None


def meta(server: psycopg.Connection, name: str) -> dict | None:
    """The meta kept in the cache's comment; None when there is no such cache,
    or one without its comment (a copy that never finished)."""
    row = server.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                         [name]).fetchone()
    return _parsed(row[0]) if row else None


def create(server: psycopg.Connection, name: str) -> None:
    server.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))


def drop(server: psycopg.Connection, name: str) -> None:
    """Drop `name` if it exists, ending its sessions first (they would stop the drop)."""
    if _version(server) >= DROP_FORCE_FROM:
        server.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))
        return
    server.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE datname = %s AND pid <> pg_backend_pid()", [name])
    server.execute(SQL("DROP DATABASE IF EXISTS {}").format(Identifier(name)))


def copy(server: psycopg.Connection, source: str, name: str) -> float:
    """`CREATE DATABASE name TEMPLATE source`; its seconds. From PostgreSQL 15
    by FILE_COPY: the default (WAL_LOG) writes every block of a multi-gigabyte
    database to the WAL, several times slower. The source may have no session."""
    strategy = SQL(" STRATEGY = FILE_COPY") if _version(server) >= FILE_COPY_FROM else SQL("")
    started = time.perf_counter()
    server.execute(SQL("CREATE DATABASE {} TEMPLATE {}{}").format(Identifier(name), Identifier(source), strategy))
    return round(time.perf_counter() - started, 1)


def keep(server: psycopg.Connection, source: str, name: str, meta: dict) -> float:
    """Copy `source` as the cache `name`, its meta as its comment; the copy's
    seconds. Copied under a name of its own and renamed over the old cache,
    so a copy that fails (the disk full) leaves the old cache as it was."""
    building = name + BUILDING
    drop(server, building)
    seconds = copy(server, source, building)
    server.execute(SQL("COMMENT ON DATABASE {} IS {}").format(Identifier(building), Literal(json.dumps(meta))))
    drop(server, name)
    server.execute(SQL("ALTER DATABASE {} RENAME TO {}").format(Identifier(building), Identifier(name)))
    return seconds


def _written_at(meta: dict) -> str:
    """When the cache was last made: its seed or its latest upgrade (ISO times sort as text)."""
    return max([meta["seeded_at"], *(step["at"] for step in meta.get("upgrades", []))])


def prune(server: psycopg.Connection, name: str, keep: int = 2) -> list[str]:
    """Keep `name` and the newest others of this target, size and seed (other
    seed code or modules), `keep` in all, and no unfinished copy: at a
    million contacts each takes gigabytes. The names dropped."""
    prefix = name.rsplit("_", 1)[0] + "_"
    caches = {datname: _parsed(comment) for datname, comment in server.execute(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database")
        if datname.startswith(prefix)}
    finished = sorted((datname for datname, cached in caches.items()
                       if cached and "seeded_at" in cached and not datname.endswith(BUILDING)),
                      key=lambda datname: (datname == name, _written_at(caches[datname])), reverse=True)
    dropped = [datname for datname in caches if datname not in finished[:keep]]
    for datname in dropped:
        drop(server, datname)
    return dropped
