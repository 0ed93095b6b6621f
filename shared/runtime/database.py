"""Engines for a service's own database: PostgreSQL (asyncpg) or an embedded SQLite file.

SQLite serves one machine: every transaction takes the write lock at BEGIN (BEGIN IMMEDIATE),
so a read-then-append transaction can never fail half-way on a lock upgrade, and WAL lets
readers go on beside the writer.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# Connections are renewed after half an hour (no ping per checkout: a dropped connection is
# retried by the command runner and the inbox).
RECYCLE_SECONDS = 1800


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def redacted(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def cannot_open(service: str, url: str, exc: BaseException) -> str:
    """One Polish line: the service's database could not be opened, and what to check."""
    cause = getattr(exc, "orig", None) or exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
    return (
        f"Nie mogę otworzyć bazy usługi {service} ({redacted(url)}): {reason}. Sprawdź "
        f"{service.upper()}_DATABASE_URL (czy serwer bazy działa, czy plik jest bazą SQLite, "
        f"czy jego katalog istnieje i można w nim pisać)."
    )


async def open_problem(service: str, url: str) -> str | None:
    """Why the service's database cannot be opened (one Polish line), or None."""
    engine = create_engine(url, pooled=False)
    try:
        async with engine.connect() as conn:
            await conn.execute(
                text("SELECT count(*) FROM sqlite_master" if is_sqlite(engine) else "SELECT 1")
            )
    except (SQLAlchemyError, OSError) as exc:
        return cannot_open(service, url, exc)
    finally:
        await engine.dispose()
    return None


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def reads_of(engine: AsyncEngine) -> AsyncEngine:
    """`engine` for reads: connections it gives run their statements without BEGIN and
    ROLLBACK around them, on PostgreSQL (autocommit; the same pool).

    Why: a read on a plain connection costs three round trips (BEGIN, the SELECT, ROLLBACK),
    and a request makes several (the caller's login, the record's scope, the query itself).
    Under READ COMMITTED every statement takes its own snapshot inside a transaction too, so a
    read sees nothing different. Only for SELECTs, and for a write made of one statement
    (atomic on its own; commit it, for SQLite): several writes, or `SELECT ... FOR UPDATE`,
    would commit (or lock) statement by statement.

    SQLite keeps its transactions: the driver's autocommit switch would undo the connection
    settings that let us issue BEGIN IMMEDIATE ourselves, and a local read costs no round
    trip anyway."""
    if is_sqlite(engine):
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


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


async def create_schema(engine: AsyncEngine, *metadatas: MetaData) -> None:
    """Create the tables of `metadatas` as they are declared, for tests and benchmarks of the
    kernel alone. A service's database is never made this way: its schema comes from its
    migrations (shared.migrations), run by `asysta migrate` or at the service's start."""
    async with engine.begin() as conn:
        if not is_sqlite(engine):
            # Several processes may start at once; one creates, the rest wait.
            await conn.execute(text("SELECT pg_advisory_xact_lock(7305510012)"))
        for metadata in metadatas:
            await conn.run_sync(metadata.create_all)
