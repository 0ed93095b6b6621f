"""Small dialect bridges for statements PostgreSQL and SQLite both have, spelled differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, delete, func, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignoring_duplicates(conn: AsyncConnection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: AsyncConnection, table: Table, *, key: list[str], update: list[str]) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET the `update` columns to the new values."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=key, set_={name: stmt.excluded[name] for name in update}
    )


# Set-wise statements --------------------------------------------------------------------
# On PostgreSQL, one statement per call whatever the number of rows: the rows travel as one
# array per column (`unnest`), so the statement's text, and so its prepared plan, is the same
# for 1 row or 1,000. On SQLite (one machine, one writer), one statement run per row.

# Column ops of `update_rows`: what a row's new value does to the stored one.
SET = 1  # replaces it
FIRST = 2  # fills it only if it is empty (coalesce(stored, new))
LATEST = 3  # replaces it only if it is empty or earlier (the later of the two)

_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _pg_type(table: Table, column: str) -> str:
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    return f"{table.c[column].type.compile(dialect=dialect)}[]"


def _arrays(table: Table, columns: Sequence[str], prefix: str) -> str:
    return ", ".join(
        f"CAST(:{prefix}{i} AS {_pg_type(table, name)})" for i, name in enumerate(columns)
    )


def _q(conn: AsyncConnection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


async def upsert_rows(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """INSERT the rows (every one with the same columns); on a key already present, set the
    `update` columns to the new values (None: every column not in the key; empty: do nothing).
    The rows' keys must be distinct."""
    if not rows:
        return
    columns = tuple(rows[0])
    update = tuple(c for c in columns if c not in key) if update is None else tuple(update)
    cache = ("upsert", conn.dialect.name, table.name, columns, tuple(key), update)
    if conn.dialect.name != "postgresql":
        stmt = _STATEMENTS.get(cache)
        if stmt is None:
            stmt = (
                upsert(conn, table, key=list(key), update=list(update))
                if update
                else insert_ignoring_duplicates(conn, table)
            )
            _STATEMENTS[cache] = stmt
        await conn.execute(stmt, list(rows))
        return
    stmt = _STATEMENTS.get(cache)
    if stmt is None:
        names = ", ".join(_q(conn, c) for c in columns)
        on_conflict = (
            "DO UPDATE SET " + ", ".join(f"{_q(conn, c)} = EXCLUDED.{_q(conn, c)}" for c in update)
            if update
            else "DO NOTHING"
        )
        stmt = text(
            f"INSERT INTO {_q(conn, table.name)} ({names}) "
            f"SELECT * FROM unnest({_arrays(table, columns, 'c')}) "
            f"ON CONFLICT ({', '.join(_q(conn, c) for c in key)}) {on_conflict}"
        )
        _STATEMENTS[cache] = stmt
    await conn.execute(stmt, {f"c{i}": [row[c] for row in rows] for i, c in enumerate(columns)})


async def delete_rows(
    conn: AsyncConnection, table: Table, keys: Sequence[tuple[Any, ...]], *, key: Sequence[str]
) -> None:
    """DELETE the rows whose `key` columns hold one of `keys`."""
    if not keys:
        return
    cache = ("delete", conn.dialect.name, table.name, tuple(key))
    stmt = _STATEMENTS.get(cache)
    if conn.dialect.name != "postgresql":
        if stmt is None:
            stmt = delete(table).where(
                and_(*(table.c[k] == bindparam(f"k{i}") for i, k in enumerate(key)))
            )
            _STATEMENTS[cache] = stmt
        await conn.execute(stmt, [{f"k{i}": v for i, v in enumerate(row)} for row in keys])
        return
    if stmt is None:
        aliases = ", ".join(f"k{i}" for i in range(len(key)))
        where = " AND ".join(f"t.{_q(conn, k)} = v.k{i}" for i, k in enumerate(key))
        stmt = text(
            f"DELETE FROM {_q(conn, table.name)} AS t "
            f"USING unnest({_arrays(table, key, 'k')}) AS v({aliases}) WHERE {where}"
        )
        _STATEMENTS[cache] = stmt
    await conn.execute(stmt, {f"k{i}": [row[i] for row in keys] for i in range(len(key))})


def _op_sql(op: int, stored: str, new: str) -> str:
    if op == SET:
        return new
    if op == FIRST:
        return f"coalesce({stored}, {new})"
    if op == LATEST:
        return f"CASE WHEN {stored} IS NULL OR {stored} < {new} THEN {new} ELSE {stored} END"
    raise ValueError(f"unknown column op {op}")


def _op_expression(table: Table, column: str, op: int, new: Any) -> Any:
    stored = table.c[column]
    if op == SET:
        return new
    if op == FIRST:
        return func.coalesce(stored, new)
    if op == LATEST:
        return case((or_(stored.is_(None), stored < new), new), else_=stored)
    raise ValueError(f"unknown column op {op}")


async def update_rows(
    conn: AsyncConnection,
    table: Table,
    changes: Sequence[tuple[tuple[Any, ...], dict[str, tuple[int, Any]]]],
    *,
    key: Sequence[str],
) -> None:
    """UPDATE rows by key: per row, its key's values and {column: (op, value)}, the op one of
    SET, FIRST, LATEST. Rows may change different columns; a column a row does not name keeps
    its value. A key that matches no row changes nothing. The keys must be distinct."""
    if not changes:
        return
    if conn.dialect.name != "postgresql":
        by_shape: dict[tuple[tuple[str, int], ...], list[dict[str, Any]]] = {}
        for values, ops in changes:
            shape = tuple(sorted((c, op) for c, (op, _v) in ops.items()))
            row = {f"k{i}": v for i, v in enumerate(values)}
            row.update({f"v_{c}": v for c, (_op, v) in ops.items()})
            by_shape.setdefault(shape, []).append(row)
        for shape, rows in by_shape.items():
            shape_cache: tuple[Any, ...] = (
                "update",
                conn.dialect.name,
                table.name,
                tuple(key),
                shape,
            )
            stmt = _STATEMENTS.get(shape_cache)
            if stmt is None:
                stmt = (
                    update(table)
                    .where(and_(*(table.c[k] == bindparam(f"k{i}") for i, k in enumerate(key))))
                    .values(
                        {c: _op_expression(table, c, op, bindparam(f"v_{c}")) for c, op in shape}
                    )
                )
                _STATEMENTS[shape_cache] = stmt
            await conn.execute(stmt, rows)
        return
    # Which columns this batch changes, and with which ops: the statement's shape.
    used: dict[str, set[int]] = {}
    for _values, ops in changes:
        for column, (op, _v) in ops.items():
            used.setdefault(column, set()).add(op)
    columns = tuple(sorted(used))
    shape_key = tuple((c, tuple(sorted(used[c]))) for c in columns)
    cache = ("update", conn.dialect.name, table.name, tuple(key), shape_key)
    stmt = _STATEMENTS.get(cache)
    if stmt is None:
        sets = []
        for i, column in enumerate(columns):
            stored, new = f"t.{_q(conn, column)}", f"v.c{i}"
            branches = " ".join(
                f"WHEN {op} THEN {_op_sql(op, stored, new)}" for op in sorted(used[column])
            )
            sets.append(f"{_q(conn, column)} = CASE v.o{i} {branches} ELSE {stored} END")
        arrays = [_arrays(table, key, "k")]
        aliases = [f"k{i}" for i in range(len(key))]
        for i, column in enumerate(columns):
            arrays.append(f"CAST(:c{i} AS {_pg_type(table, column)}), CAST(:o{i} AS smallint[])")
            aliases += [f"c{i}", f"o{i}"]
        where = " AND ".join(f"t.{_q(conn, k)} = v.k{i}" for i, k in enumerate(key))
        stmt = text(
            f"UPDATE {_q(conn, table.name)} AS t SET {', '.join(sets)} "
            f"FROM unnest({', '.join(arrays)}) AS v({', '.join(aliases)}) WHERE {where}"
        )
        _STATEMENTS[cache] = stmt
    params: dict[str, Any] = {
        f"k{i}": [values[i] for values, _ops in changes] for i in range(len(key))
    }
    for i, column in enumerate(columns):
        params[f"c{i}"] = [ops[column][1] if column in ops else None for _v, ops in changes]
        params[f"o{i}"] = [ops[column][0] if column in ops else 0 for _v, ops in changes]
    await conn.execute(stmt, params)
