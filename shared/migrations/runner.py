"""Bringing a service's database to the schema its code expects (Alembic's head), or checking
that it is there.

Concurrent starters are safe: on PostgreSQL the upgrade runs in one transaction under an
advisory lock (the second starter waits, then finds the database at head); on SQLite the
transaction takes the write lock at BEGIN (see shared.runtime.database).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.runtime.logging import get_logger

log = get_logger(__name__)

_MIGRATION_LOCK = 7305510012  # the same key the schema creation of earlier releases took


class SchemaNotAtHead(RuntimeError):
    """The database's schema is not the one this code expects, and this process does not
    migrate (production on PostgreSQL: `asysta migrate` does, before the new version starts)."""

    def __init__(self, service: str, current: str | None, head: str) -> None:
        self.service, self.current, self.head = service, current, head
        found = f"w wersji {current}" if current else "sprzed migracji (albo pustą)"
        super().__init__(
            f"Baza usługi {service} ma schemat {found}, a ta wersja Asysty wymaga wersji "
            f"{head}: uruchom `asysta migrate` (w docker compose: `docker compose run --rm "
            f"migrate`), potem uruchom usługę ponownie."
        )


@dataclass(frozen=True)
class Migrations:
    """A service's migration history: its Alembic script directory."""

    service: str
    location: Path

    @property
    def version_table(self) -> str:
        """Where the database records its revision: one table per service, so that services
        sharing a database (as some tests do) keep their histories apart."""
        return version_table(self.service)

    def config(self, connection: Connection | None = None, **attributes: Any) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.location))
        config.attributes["connection"] = connection
        config.attributes["version_table"] = self.version_table
        config.attributes.update(attributes)
        return config

    def knows(self, revision: str) -> bool:
        """Whether `revision` is in this history (else it is a newer release's)."""
        try:
            return ScriptDirectory.from_config(self.config()).get_revision(revision) is not None
        except CommandError:
            return False

    def head(self) -> str:
        head = ScriptDirectory.from_config(self.config()).get_current_head()
        if head is None:
            raise RuntimeError(f"{self.service}: no migrations in {self.location}")
        return head


@dataclass(frozen=True)
class Upgraded:
    service: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def current_revision(conn: Connection, service: str) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": version_table(service)})
    return context.get_current_revision()


def _upgrade(conn: Connection, migrations: Migrations) -> Upgraded:
    with conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        before = current_revision(conn, migrations.service)
        command.upgrade(migrations.config(conn), "head")
        after = current_revision(conn, migrations.service)
    return Upgraded(migrations.service, before, after or "")


async def upgrade(engine: AsyncEngine, migrations: Migrations) -> Upgraded:
    """Run every migration the database has not had, in one transaction."""
    async with engine.connect() as conn:
        return await conn.run_sync(_upgrade, migrations)


async def revision_of(engine: AsyncEngine, service: str) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(current_revision, service)


async def check_at_head(engine: AsyncEngine, migrations: Migrations) -> None:
    """Refuse a database behind this code's head (or never migrated). One ahead of it, at a
    revision this code does not know, is a newer release's during its rolling update: the
    migrations keep the previous release working (README, "Schema changes"), so it runs."""
    current, head = await revision_of(engine, migrations.service), migrations.head()
    if current == head:
        return
    if current is not None and not migrations.knows(current):
        log.warning("schema.newer_than_code", revision=current, head=head)
        return
    raise SchemaNotAtHead(migrations.service, current, head)


async def prepare_schema(
    engine: AsyncEngine,
    migrations: Migrations | None,
    metadatas: tuple[MetaData, ...],
    *,
    migrate: bool,
) -> Upgraded | None:
    """At a service's start: upgrade its database (`migrate`), or refuse to run on one that is
    not at head. A runtime without a migration history (a test's) gets its tables created."""
    if migrations is None:
        async with engine.begin() as conn:
            for metadata in metadatas:
                await conn.run_sync(metadata.create_all)
        return None
    if migrate:
        return await upgrade(engine, migrations)
    await check_at_head(engine, migrations)
    return None


def schema_differences(conn: Connection, *metadatas: MetaData) -> list[Any]:
    """What Alembic's autogenerate would write to bring the database to `metadatas`: empty
    when the tables the code declares are exactly the ones the migrations made."""
    from alembic.autogenerate import compare_metadata

    combined = MetaData()
    for metadata in metadatas:
        for table in metadata.tables.values():
            table.to_metadata(combined)
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
    )
    # The databases' revision records are Alembic's, not the code's tables.
    return [
        diff
        for diff in compare_metadata(context, combined)
        if not (
            isinstance(diff, tuple)
            and diff[0] == "remove_table"
            and diff[1].name.startswith("alembic_version")
        )
    ]
