"""Many rows into one table, with as little work per row as Python allows.

`session.execute(insert(table), [dict, ...])` spends most of its time on
SQLAlchemy's per-row parameter handling (a dict per row, defaults, one bind
processor call through several layers per value). Here the caller builds one
tuple per row in a fixed column order; each value still goes through its
column type's own bind processing (UTC datetimes, dates, booleans, JSON), so
the database ends up holding exactly what the Core insert would have written.
On SQLite the rows go to the driver's `executemany` through `exec_driver_sql`
(so the engine's events, such as how a transaction begins, still apply); on
PostgreSQL through COPY, in the session's transaction.

Columns left out get their scalar Python-side default (as Core would add);
a column with a computed default (`default=utcnow`) must be given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import Table, bindparam, insert

from app.extensions import db

# executemany batches: bounds the memory of one call, not a limit on rows.
BATCH = 5_000


@dataclass(frozen=True)
class _Plan:
    sql: str
    copy: str | None  # PostgreSQL: COPY ... FROM STDIN for the same columns (rows as tuples)
    positional: bool
    names: tuple[str, ...]  # the bind names (keys of a named driver's dicts)
    reorder: object  # itemgetter putting a row in the statement's order (positional drivers), or None
    processors: tuple[tuple[int, object], ...]  # (index in row, bind processor)
    constants: tuple  # values of the defaulted columns, processed, appended to every row


_PLANS: dict[tuple, _Plan] = {}


def _plan(table: Table, columns: tuple[str, ...], dialect, returning: str | None = None) -> _Plan:
    key = (table, columns, dialect.name, dialect.driver, returning)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    defaulted = []
    for column in table.c:
        if column.name in columns or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} has a computed default: give its value")
        defaulted.append((column.name, column.default.arg))
    every = columns + tuple(name for name, _ in defaulted)
    stmt = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in every})
    if returning:
        stmt = stmt.returning(table.c[returning])
    compiled = stmt.compile(dialect=dialect)
    processors, constants = [], []
    for index, name in enumerate(every):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if index >= len(columns):
            value = dict(defaulted)[name]
            constants.append(process(value) if process else value)
        elif process is not None:
            processors.append((index, process))
    copy, reorder, positional = None, None, compiled.positional
    if dialect.name == "postgresql" and not returning:
        quote = dialect.identifier_preparer
        copy = (f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in every)}) FROM STDIN")
        positional = True  # COPY takes each row as a tuple, in `every` order
    elif compiled.positional:
        order = tuple(every.index(name) for name in compiled.positiontup)
        if order != tuple(range(len(every))):
            reorder = itemgetter(*order) if len(order) > 1 else (lambda row, i=order[0]: (row[i],))
    plan = _Plan(compiled.string, copy, positional, every, reorder, tuple(processors), tuple(constants))
    _PLANS[key] = plan
    return plan


def _parameters(plan: _Plan, rows: Iterable[Sequence]) -> list:
    """The driver's parameters for `rows`: bind-processed, defaults added,
    as tuples (positional drivers) or dicts (named ones). A value object seen
    before in the batch (the chunk's one timestamp, True, None) is processed
    once: processors depend only on the value."""
    processors, constants, reorder, names = plan.processors, plan.constants, plan.reorder, plan.names
    memos = [({}, index, process) for index, process in processors]
    out = []
    for row in rows:
        if memos:
            row = list(row)
            for memo, index, process in memos:
                value = row[index]
                key = id(value)
                if key in memo:
                    row[index] = memo[key]
                else:
                    row[index] = memo[key] = process(value)
        if constants:
            row = (*row, *constants)
        if not plan.positional:
            out.append(dict(zip(names, row, strict=True)))
        elif reorder is not None:
            out.append(reorder(row))
        else:
            out.append(tuple(row))
    return out


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """INSERT `rows` (tuples in the order of `columns`) into `table`, in the
    session's transaction; returns how many (no rows, no statement)."""
    columns, count, batch = tuple(columns), 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            count += _send(table, columns, batch)
            batch = []
    if batch:
        count += _send(table, columns, batch)
    return count


def _send(table: Table, columns: tuple[str, ...], batch: list) -> int:
    connection = db.session.connection()
    plan = _plan(table, columns, connection.dialect)
    if plan.copy:
        # psycopg adapts each value as it would a query parameter; the server
        # parses the rows in one stream instead of one statement per row
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(plan.copy) as copy:
            for row in _parameters(plan, batch):
                copy.write_row(row)
    else:
        connection.exec_driver_sql(plan.sql, _parameters(plan, batch))
    return len(batch)


def insert_returning_ids(table: Table, columns: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """`insert_rows` for a table with an integer `id`, returning the new ids in
    the order of `rows`.

    PostgreSQL: the ids are taken from the column's sequence first, in one
    query, and inserted with the rows. SQLite: the first row goes in alone
    with RETURNING, which takes the write lock the transaction then holds to
    its end; a table without AUTOINCREMENT gives each further row max(id) + 1,
    so the others follow on (checked afterwards)."""
    if not rows:
        return []
    connection = db.session.connection()
    columns = tuple(columns)
    if connection.dialect.name == "postgresql":
        ids = [i for (i,) in connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) FROM generate_series(1, %(n)s) ORDER BY 1",
            {"table": table.name, "n": len(rows)})]
        insert_rows(table, ("id", *columns), ((i, *row) for i, row in zip(ids, rows, strict=True)))
        return ids
    plan = _plan(table, columns, connection.dialect, returning="id")
    first = connection.exec_driver_sql(plan.sql, _parameters(plan, rows[:1])[0]).scalar_one()
    insert_rows(table, columns, rows[1:])
    last = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar_one()  # noqa: S608 (a table name)
    if last != first + len(rows) - 1:
        raise RuntimeError(f"{table.name}: expected ids {first}..{first + len(rows) - 1}, the last is {last}")
    return list(range(first, first + len(rows)))
