"""Engines for a service's own database: PostgreSQL (asyncpg) or an embedded SQLite file.

SQLite serves one machine: every transaction takes the write lock at BEGIN (BEGIN IMMEDIATE),
so a read-then-append transaction can never fail half-way on a lock upgrade, and WAL lets
readers go on beside the writer.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shared.eventstore.tables import kernel_metadata

RECYCLE_SECONDS = 1800


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, pool_size: int = 10, pooled: bool = True) -> AsyncEngine:
    """An engine for `url`, tuned for its dialect. `pooled=False` opens a connection per use
    (for callers that run the app on more than one event loop, e.g. a test client)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(
            url,
            json_serializer=_dumps,
            # Errors name the statement, never its values (personal fields among them).
            hide_parameters=True,
            connect_args={"timeout": 30},
            **({} if pooled else {"poolclass": NullPool}),
        )
        _configure_sqlite(engine)
        return engine
    # No pre-ping (a round trip on every checkout): a connection PostgreSQL dropped (a
    # restart, a failover) fails its first statement instead, which invalidates every pooled
    # connection opened before it; the unit of work that met it runs again (CommandRunner,
    # Inbox.process: nothing of it was committed). Connections are renewed after half an hour,
    # before a firewall's or a proxy's idle timeout drops them silently.
    return create_async_engine(
        url,
        json_serializer=_dumps,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=RECYCLE_SECONDS,
    )


def is_disconnect(error: BaseException) -> bool:
    """Whether `error` is a connection the database dropped (the pool was invalidated; a
    transaction that met it committed nothing and can be run again)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves; the driver's implicit BEGIN is DEFERRED.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def create_schema(
    engine: AsyncEngine, *metadatas: MetaData, grow: tuple[MetaData, ...] = ()
) -> None:
    """Create missing tables. The kernel's tables (the event store, outbox, inbox, keys,
    audit) also get the nullable columns an earlier release lacked: they cannot be rebuilt.
    A service's own read models are its business (they can be rebuilt from its events), unless
    it lists them in `grow`."""
    async with engine.begin() as conn:
        if not is_sqlite(engine):
            # Several processes of one service may start at once; one creates, the rest wait.
            await conn.execute(text("SELECT pg_advisory_xact_lock(7305510012)"))
        for metadata in metadatas:
            await conn.run_sync(metadata.create_all)
            if metadata is kernel_metadata or metadata in grow:
                await conn.run_sync(_add_missing_columns, metadata)


def _add_missing_columns(sync_conn: Any, metadata: MetaData) -> None:
    inspector = inspect(sync_conn)
    preparer = sync_conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"{table.name}.{column.name} is new and NOT NULL: write a migration"
                )
            kind = column.type.compile(dialect=sync_conn.dialect)
            sync_conn.execute(
                text(
                    f"ALTER TABLE {preparer.quote(table.name)} "
                    f"ADD COLUMN {preparer.quote(column.name)} {kind}"
                )
            )
