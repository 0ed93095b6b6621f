"""Small dialect bridges for statements PostgreSQL and SQLite both have, spelled differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, Table, and_, bindparam, case, delete, func, or_, text, update
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


# Set-wise writes ------------------------------------------------------------------------
# On PostgreSQL the rows of a write travel as one array per column (`unnest`), so its text,
# and so its prepared plan, is the same for 1 row or 1,000; a transaction's writes go as one
# statement (one round trip), each a data-modifying CTE. On SQLite (one machine, one writer),
# one statement run per row.

# Column ops of `SetWrites.update`: what a row's new value does to the stored one.
SET = 1  # replaces it
FIRST = 2  # fills it only if it is empty (coalesce(stored, new))
LATEST = 3  # replaces it only if it is empty or earlier (the later of the two)
EARLIEST = 4  # replaces it only if it is empty or later (the earlier of the two)

_STATEMENTS: dict[Any, Any] = {}

Changes = Sequence[tuple[tuple[Any, ...], dict[str, tuple[int, Any]]]]


def _pg_type(table: Table, column: str) -> str:
    kind = table.c[column].type
    if isinstance(kind, String):
        # Unbounded: an explicit cast to varchar(n) would cut a longer value silently, where
        # storing it in the column refuses it, as a plain INSERT does.
        return "varchar[]"
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    return f"{kind.compile(dialect=dialect)}[]"


def _arrays(table: Table, columns: Sequence[str], prefix: str) -> str:
    return ", ".join(
        f"CAST(:{prefix}{i} AS {_pg_type(table, name)})" for i, name in enumerate(columns)
    )


def _q(name: str) -> str:
    return str(postgresql.dialect().identifier_preparer.quote(name))  # type: ignore[no-untyped-call]


def _op_sql(op: int, stored: str, new: str) -> str:
    if op == SET:
        return new
    if op == FIRST:
        return f"coalesce({stored}, {new})"
    if op == LATEST:
        return f"CASE WHEN {stored} IS NULL OR {stored} < {new} THEN {new} ELSE {stored} END"
    if op == EARLIEST:
        return f"CASE WHEN {stored} IS NULL OR {stored} > {new} THEN {new} ELSE {stored} END"
    raise ValueError(f"unknown column op {op}")


def _op_expression(table: Table, column: str, op: int, new: Any) -> Any:
    stored = table.c[column]
    if op == SET:
        return new
    if op == FIRST:
        return func.coalesce(stored, new)
    if op == LATEST:
        return case((or_(stored.is_(None), stored < new), new), else_=stored)
    if op == EARLIEST:
        return case((or_(stored.is_(None), stored > new), new), else_=stored)
    raise ValueError(f"unknown column op {op}")


def _cached(key: Any, build: Any) -> Any:
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


class SetWrites:
    """A transaction's set-wise writes, gathered, then sent by `run`. The writes must touch
    distinct rows (on PostgreSQL they run as one statement and see the same snapshot)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgresql = conn.dialect.name == "postgresql"
        self._parts: list[tuple[str, dict[str, Any]]] = []
        self._per_row: list[tuple[Any, list[dict[str, Any]]]] = []

    def upsert(
        self,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> None:
        """INSERT the rows (every one with the same columns); on a key already present, set
        the `update` columns to the new values (None: every column not in the key; empty: do
        nothing). The rows' keys must be distinct."""
        if not rows:
            return
        columns = tuple(rows[0])
        update = tuple(c for c in columns if c not in key) if update is None else tuple(update)
        if not self.postgresql:
            stmt = _cached(
                ("upsert", self.conn.dialect.name, table.name, columns, tuple(key), update),
                lambda: (
                    upsert(self.conn, table, key=list(key), update=list(update))
                    if update
                    else insert_ignoring_duplicates(self.conn, table)
                ),
            )
            self._per_row.append((stmt, list(rows)))
            return
        p = f"w{len(self._parts)}_"

        def build() -> str:
            names = ", ".join(_q(c) for c in columns)
            on_conflict = (
                "DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in update)
                if update
                else "DO NOTHING"
            )
            return (
                f"INSERT INTO {_q(table.name)} ({names}) "
                f"SELECT * FROM unnest({_arrays(table, columns, p + 'c')}) "
                f"ON CONFLICT ({', '.join(_q(c) for c in key)}) {on_conflict}"
            )

        sql = _cached(("upsert", p, table.name, columns, tuple(key), update), build)
        params = {f"{p}c{i}": [row[c] for row in rows] for i, c in enumerate(columns)}
        self._parts.append((sql, params))

    def delete(self, table: Table, keys: Sequence[tuple[Any, ...]], *, key: Sequence[str]) -> None:
        """DELETE the rows whose `key` columns hold one of `keys`."""
        if not keys:
            return
        if not self.postgresql:
            stmt = _cached(
                ("delete", self.conn.dialect.name, table.name, tuple(key)),
                lambda: delete(table).where(
                    and_(*(table.c[k] == bindparam(f"k{i}") for i, k in enumerate(key)))
                ),
            )
            self._per_row.append((stmt, [{f"k{i}": v for i, v in enumerate(r)} for r in keys]))
            return
        p = f"w{len(self._parts)}_"

        def build() -> str:
            aliases = ", ".join(f"k{i}" for i in range(len(key)))
            where = " AND ".join(f"t.{_q(k)} = v.k{i}" for i, k in enumerate(key))
            return (
                f"DELETE FROM {_q(table.name)} AS t "
                f"USING unnest({_arrays(table, key, p + 'k')}) AS v({aliases}) WHERE {where}"
            )

        sql = _cached(("delete", p, table.name, tuple(key)), build)
        params = {f"{p}k{i}": [r[i] for r in keys] for i in range(len(key))}
        self._parts.append((sql, params))

    def update(self, table: Table, changes: Changes, *, key: Sequence[str]) -> None:
        """UPDATE rows by key: per row, its key's values and {column: (op, value)}, the op
        one of SET, FIRST, LATEST, EARLIEST. Rows may change different columns; a column a
        row does not name keeps its value. A key that matches no row changes nothing. Distinct
        keys."""
        if not changes:
            return
        if not self.postgresql:
            self._update_per_row(table, changes, key)
            return
        # Which columns the rows change, and with which ops: the statement's shape.
        used: dict[str, set[int]] = {}
        for _values, ops in changes:
            for column, (op, _v) in ops.items():
                used.setdefault(column, set()).add(op)
        columns = tuple(sorted(used))
        p = f"w{len(self._parts)}_"

        def build() -> str:
            sets = []
            for i, column in enumerate(columns):
                stored, new = f"t.{_q(column)}", f"v.c{i}"
                branches = " ".join(
                    f"WHEN {op} THEN {_op_sql(op, stored, new)}" for op in sorted(used[column])
                )
                sets.append(f"{_q(column)} = CASE v.o{i} {branches} ELSE {stored} END")
            arrays = [_arrays(table, key, p + "k")]
            aliases = [f"k{i}" for i in range(len(key))]
            for i, column in enumerate(columns):
                arrays.append(
                    f"CAST(:{p}c{i} AS {_pg_type(table, column)}), CAST(:{p}o{i} AS smallint[])"
                )
                aliases += [f"c{i}", f"o{i}"]
            where = " AND ".join(f"t.{_q(k)} = v.k{i}" for i, k in enumerate(key))
            return (
                f"UPDATE {_q(table.name)} AS t SET {', '.join(sets)} "
                f"FROM unnest({', '.join(arrays)}) AS v({', '.join(aliases)}) WHERE {where}"
            )

        shape = tuple((c, tuple(sorted(used[c]))) for c in columns)
        sql = _cached(("update", p, table.name, tuple(key), shape), build)
        params: dict[str, Any] = {
            f"{p}k{i}": [values[i] for values, _ops in changes] for i in range(len(key))
        }
        for i, column in enumerate(columns):
            params[f"{p}c{i}"] = [ops[column][1] if column in ops else None for _v, ops in changes]
            params[f"{p}o{i}"] = [ops[column][0] if column in ops else 0 for _v, ops in changes]
        self._parts.append((sql, params))

    def _update_per_row(self, table: Table, changes: Changes, key: Sequence[str]) -> None:
        by_shape: dict[tuple[tuple[str, int], ...], list[dict[str, Any]]] = {}
        for values, ops in changes:
            shape = tuple(sorted((c, op) for c, (op, _v) in ops.items()))
            row = {f"k{i}": v for i, v in enumerate(values)}
            row.update({f"v_{c}": v for c, (_op, v) in ops.items()})
            by_shape.setdefault(shape, []).append(row)
        for shape, rows in by_shape.items():
            stmt = _cached(
                ("update", self.conn.dialect.name, table.name, tuple(key), shape),
                lambda shape=shape: (
                    update(table)
                    .where(and_(*(table.c[k] == bindparam(f"k{i}") for i, k in enumerate(key))))
                    .values(
                        {c: _op_expression(table, c, op, bindparam(f"v_{c}")) for c, op in shape}
                    )
                ),
            )
            self._per_row.append((stmt, rows))

    async def run(self) -> None:
        """Send what was gathered (and forget it)."""
        parts, self._parts = self._parts, []
        per_row, self._per_row = self._per_row, []
        for stmt, rows in per_row:
            await self.conn.execute(stmt, rows)
        if not parts:
            return
        if len(parts) == 1:
            sql = parts[0][0]
        else:
            ctes = ", ".join(f"w{i} AS ({part_sql})" for i, (part_sql, _p) in enumerate(parts))
            sql = f"WITH {ctes} SELECT 1"
        params: dict[str, Any] = {}
        for _sql, part_params in parts:
            params.update(part_params)
        await self.conn.execute(_cached(("text", sql), lambda: text(sql)), params)
