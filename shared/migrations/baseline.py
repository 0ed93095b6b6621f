"""The first revision of every service: the schema the last release before migrations created
(with `create_all` and the additive column tool). On an empty database it creates it; on a
database of that release it finds every table and changes nothing; on one of an older release
it adds the nullable columns the additive tool would have added at start, for the last time."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op


def adopt(*parts: Callable[[sa.MetaData], None]) -> None:
    metadata = sa.MetaData()
    for add_tables in parts:
        add_tables(metadata)
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            table.create(bind)
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"{table.name}.{column.name} brakuje, a nie może być pusta: ta baza jest "
                    "starsza, niż migracje umieją przyjąć"
                )
            op.add_column(table.name, column._copy())


def nothing_to_undo() -> None:
    """The baseline is not undone: dropping the event store would lose the record."""
    raise RuntimeError("Pierwszej wersji schematu (baseline) nie cofa się: to usunęłoby dane.")
