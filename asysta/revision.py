"""A new migration for a service's database, for developers: `python -m asysta.revision
<service> "what changes"` writes `services/<service>/migrations/versions/r<NNNN>_<slug>.py`
with the operations Alembic's autogenerate finds between head (built in a scratch SQLite
database) and the tables the code declares. Read it and complete it before committing: a
rename is seen as a drop and an add, data moves are not seen at all, and on SQLite a change of a
column goes through `op.batch_alter_table` (autogenerate writes it that way)."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine

from asysta import locate


def declared_tables(service: str) -> MetaData:
    """The kernel's tables and the service's own, as the code declares them."""
    importlib.import_module("shared.web.audit")  # the audit log is a kernel table
    from shared.eventstore.tables import kernel_metadata

    own = importlib.import_module(f"services.{service}.adapters.tables").metadata
    combined = MetaData()
    for metadata in (kernel_metadata, own):
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in locate.SERVICES:
        print(f'Użycie: python -m asysta.revision {{{",".join(locate.SERVICES)}}} "opis zmiany"')
        return 2
    service, message = argv
    migrations = locate.migrations_of(service)
    head = migrations.head()
    rev_id = f"{int(head) + 1:04d}" if head.isdigit() else None
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), "head")
            config = migrations.config(conn, target_metadata=declared_tables(service))
            config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
            script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    path = getattr(script, "path", None)
    print(f"Nowa migracja: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
