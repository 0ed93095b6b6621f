"""The first revision of every service: the schema the last release before migrations created
(with `create_all` and the additive column tool). On an empty database it creates it; on a
database of that release it finds every table and changes nothing; on one of an older release
it adds the nullable columns the additive tool would have added at start, for the last time."""

from __future__ import annotations

from collections.abc import Callable, Collection

import sqlalchemy as sa
from alembic import op


def adopt(*parts: Callable[[sa.MetaData], None], derived: Collection[str] = ()) -> set[str]:
    """Create the tables that are missing and complete the ones that lack nullable columns.
    A table named in `derived` (a read model the service rebuilds from its own events) that
    lacks a column which cannot be empty is created anew, empty; returns their names, so the
    caller can make sure they are rebuilt."""
    metadata = sa.MetaData()
    for add_tables in parts:
        add_tables(metadata)
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = metadata.sorted_tables
    present = {
        t.name: {c["name"] for c in inspector.get_columns(t.name)}
        for t in tables
        if inspector.has_table(t.name)
    }
    emptied = {
        t.name
        for t in tables
        if t.name in derived
        and t.name in present
        and any(c.name not in present[t.name] and not c.nullable for c in t.columns)
    }
    if emptied:
        # The read model is rebuilt whole (its tables may refer to one another).
        emptied = {name for name in derived if name in present}
    for table in reversed(tables):
        if table.name in emptied:
            table.drop(bind)
    for table in tables:
        if table.name not in present or table.name in emptied:
            table.create(bind)
            continue
        for column in table.columns:
            if column.name in present[table.name]:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"Brak kolumny {table.name}.{column.name}, która nie może być pusta: ta "
                    "baza jest starsza, niż migracje umieją przyjąć."
                )
            op.add_column(table.name, column._copy())
    return emptied


def nothing_to_undo() -> None:
    """The baseline is not undone: dropping the event store would lose the record."""
    raise RuntimeError("Pierwszej wersji schematu (baseline) nie cofa się: to usunęłoby dane.")
