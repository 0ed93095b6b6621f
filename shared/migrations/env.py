"""What every service's `migrations/env.py` runs: the migrations on the connection the caller
opened (in its transaction, under its lock), batch mode on SQLite so that a change of a column
copies the table as SQLite needs."""

from __future__ import annotations

from alembic import context


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "Migracje uruchamia `asysta migrate` (albo usługa przy starcie), nie samo `alembic`."
        )
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=connection.dialect.name == "sqlite",
        version_table=config.attributes["version_table"],
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
