"""Schema changes with Alembic: every service's history brings an empty database, and one the
previous release created (tests/fixtures/previous_release, with events in it), to head on
PostgreSQL and SQLite; the services then run on it; the tables the code declares are exactly
the ones the migrations make (so no table changes without a migration); and a service that
does not migrate refuses a database that is not at head, in one Polish sentence."""

from __future__ import annotations

import asyncio
import datetime
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import MetaData

import shared.web.audit  # noqa: F401  (the audit log is a kernel table)
from asysta import locate
from asysta.cli import main as asysta
from services.casework.adapters.tables import metadata as casework_tables
from services.casework.api import build_api as casework_api
from services.casework.bootstrap import build_app as casework_app
from services.casework.settings import CaseworkSettings
from services.directory.adapters.tables import metadata as directory_tables
from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.directory.settings import DirectorySettings
from services.referrals.adapters.tables import metadata as referrals_tables
from services.referrals.api import build_api as referrals_api
from services.referrals.bootstrap import build_runtime as referrals_runtime
from services.referrals.settings import ReferralsSettings
from services.reporting.adapters.tables import metadata as reporting_tables
from services.reporting.api import build_api as reporting_api
from services.reporting.bootstrap import build_reporting
from services.reporting.settings import ReportingSettings
from shared.eventstore.tables import kernel_metadata
from shared.migrations.runner import (
    Migrations,
    SchemaNotAtHead,
    check_at_head,
    revision_of,
    schema_differences,
    upgrade,
)
from shared.runtime.database import create_engine
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from suite.embedded_redis import free_port
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database, token

SERVICES = ("referrals", "casework", "directory", "reporting")
FIXTURES = Path(__file__).parents[1] / "fixtures" / "previous_release"
OCHOTA = "1465068"
TABLES: dict[str, MetaData] = {
    "referrals": referrals_tables,
    "casework": casework_tables,
    "directory": directory_tables,
    "reporting": reporting_tables,
}


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """An empty database per service, on one of the two engines."""
    if request.param == "sqlite":
        yield {s: f"sqlite+aiosqlite:///{tmp_path}/{s}.db" for s in SERVICES}
        return
    names = {s: await create_pg_database() for s in SERVICES}
    yield {s: f"{PG_HOST_URL}/{name}" for s, name in names.items()}
    for name in names.values():
        await drop_pg_database(name)


async def load_previous_release(urls: dict[str, str]) -> None:
    """Each database as the previous release left it: its schema and its rows."""
    for service, url in urls.items():
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1]
            connection = sqlite3.connect(path)
            connection.executescript((FIXTURES / f"{service}.sqlite.sql").read_text())
            connection.close()
            continue
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute((FIXTURES / f"{service}.postgresql.sql").read_text())
        finally:
            await conn.close()


async def differences(service: str, url: str) -> list[Any]:
    engine = create_engine(url, pooled=False)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(schema_differences, kernel_metadata, TABLES[service])
    finally:
        await engine.dispose()


async def migrate(urls: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    done = {}
    for service, url in urls.items():
        engine = create_engine(url, pooled=False)
        try:
            upgraded = await upgrade(engine, locate.migrations_of(service))
        finally:
            await engine.dispose()
        done[service] = (upgraded.before, upgraded.after)
    return done


def client(app: Any, role: Role, subject: str = "t") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://service",
        headers={"Authorization": f"Bearer {token(role, (OCHOTA,), subject=subject)}"},
    )


async def test_an_empty_database_goes_to_head_and_matches_the_declared_tables(
    databases: dict[str, str],
) -> None:
    done = await migrate(databases)
    assert all(before is None and after for before, after in done.values()), done
    for service, url in databases.items():
        assert await differences(service, url) == [], service
    # Again: nothing left to do.
    again = await migrate(databases)
    assert all(before == after for before, after in again.values()), again


async def test_the_previous_release_goes_to_head_and_the_services_run_on_it(
    databases: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await load_previous_release(databases)
    for service, url in databases.items():
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", url)
    # The operator's command, as the migration job runs it.
    assert await asyncio.to_thread(asysta, ["--json", "migrate"]) == 0
    capsys.readouterr()
    for service, url in databases.items():
        engine = create_engine(url, pooled=False)
        try:
            assert await revision_of(engine, service) == locate.migrations_of(service).head()
        finally:
            await engine.dispose()
        assert await differences(service, url) == [], service

    # The services as production starts them: they only check the schema, and run.
    monkeypatch.setenv("ASYSTA_MIGRATE_ON_START", "false")
    directory = directory_runtime(DirectorySettings(database_url=databases["directory"]))
    referrals = referrals_runtime(ReferralsSettings(database_url=databases["referrals"]))
    casework = casework_app(CaseworkSettings(database_url=databases["casework"]))
    reporting = build_reporting(ReportingSettings(database_url=databases["reporting"]))
    runtimes: list[ServiceRuntime] = [directory, referrals, casework.runtime, reporting.runtime]
    for runtime in runtimes:
        await runtime.start(relay=False, worker=False)
    try:
        async with client(directory_api(directory, False, False), Role.HEAD) as api:
            listed = (await api.get("/assistants", params={"district": OCHOTA})).json()
            assert [a["last_name"] for a in listed] == ["Poprzednia"]
        async with client(referrals_api(referrals, False, False), Role.HEAD) as api:
            referral = (await api.get("/referrals", params={"district": OCHOTA})).json()[0]
            assert referral["status"] == "granted"
            # The family's sealed card still opens with its key, from the old rows.
            assert "Wydaniowa" in str(referral)
        async with client(referrals_api(referrals, False, False), Role.SERVICE) as api:
            # The old events read back through the feed reporting rebuilds from.
            feed = (await api.get("/events", params={"after": 0, "limit": 10})).json()
            assert [e["event_type"] for e in feed["events"]] == [
                "FamilyReferred",
                "AssistanceGranted",
            ]
        # Who recorded each old referral was filled from its first event: "moje zgłoszenia".
        mine = {"district": OCHOTA, "mine": "true"}
        for subject, expected in (("fixture", [referral["referral_id"]]), ("other", [])):
            async with client(
                referrals_api(referrals, False, False), Role.SOCIAL_WORKER, subject
            ) as api:
                listed_mine = (await api.get("/referrals", params=mine)).json()
                assert [r["referral_id"] for r in listed_mine] == expected, subject
        async with client(referrals_api(referrals, False, False), Role.SOCIAL_WORKER) as api:
            # A command on the old data: the family has a case (the old index says so).
            again = await api.post(
                "/referrals",
                json={
                    "district": OCHOTA,
                    "source": "family",
                    "members": [
                        {
                            "role": "parent",
                            "first_name": "Anna",
                            "last_name": "Wydaniowa",
                            "pesel": pesel(datetime.date(1990, 1, 1), 11, female=True),
                        }
                    ],
                },
            )
            assert again.status_code == 201, again.text
            assert again.json()["family_id"] == referral["family_id"]
        async with client(casework_api(casework, run_relay=False), Role.HEAD) as api:
            cases = (await api.get("/cases", params={"district": OCHOTA})).json()
            assert len(cases) == 1 and cases[0]["assistant_id"] == listed[0]["assistant_id"]
            assert "Wydaniowa" in str(cases[0])
        async with client(directory_api(directory, False, False), Role.ADMIN) as api:
            created = await api.post(
                "/assistants",
                json={
                    "first_name": "Jan",
                    "last_name": "Nowy",
                    "district": OCHOTA,
                    "employment_form": "employment_contract",
                },
            )
            assert created.status_code == 201, created.text
        async with client(reporting_api(reporting, False, False), Role.HEAD) as api:
            caseload = (await api.get("/reports/caseload", params={"district": OCHOTA})).json()
            assert "Poprzednia" in str(caseload), caseload
    finally:
        for runtime in runtimes:
            await runtime.stop()


async def test_the_embedded_default_migrates_at_start(tmp_path: Path) -> None:
    """`make run` on SQLite: the service upgrades the previous release's file itself."""
    urls = {"directory": f"sqlite+aiosqlite:///{tmp_path}/directory.db"}
    await load_previous_release(urls)
    runtime = directory_runtime(DirectorySettings(database_url=urls["directory"]))
    await runtime.start(relay=False, worker=False)
    try:
        assert (
            await revision_of(runtime.engine, "directory")
            == locate.migrations_of("directory").head()
        )
    finally:
        await runtime.stop()


async def test_without_migrating_a_service_refuses_a_database_behind_head(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_previous_release({"directory": pg_url})
    monkeypatch.setenv("ASYSTA_ENV", "production")
    monkeypatch.setenv("ASYSTA_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("ASYSTA_DATA_KEY", "y" * 40)
    runtime = directory_runtime(DirectorySettings(database_url=pg_url))
    assert not runtime.settings.migrates_at_start()
    with pytest.raises(SchemaNotAtHead) as refused:
        await runtime.start(relay=False, worker=False)
    await runtime.stop()
    assert "asysta migrate" in str(refused.value)

    # The service's process says so in one line and exits non-zero, before serving anything.
    env = {**os.environ, "DIRECTORY_DATABASE_URL": pg_url, "DIRECTORY_PORT": str(free_port())}
    finished = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.directory", "api"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 3
    assert "Traceback" not in finished.stderr
    last = finished.stderr.strip().splitlines()[-1]
    assert last.startswith("Baza usługi directory ma schemat sprzed migracji"), finished.stderr
    assert "asysta migrate" in last


CHANGE = '''"""A change as later releases write them: a column that cannot be empty, a longer one.

Revision ID: {next}
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assistants") as batch:
        batch.add_column(
            sa.Column("contract_kind", sa.String(20), nullable=False, server_default="full")
        )
        batch.alter_column("first_name", type_=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("assistants") as batch:
        batch.drop_column("contract_kind")
'''


async def test_a_later_change_of_a_table_runs_in_batch_mode_on_both_engines(
    databases: dict[str, str], tmp_path: Path
) -> None:
    """What the next release's migration does to the previous release's data: SQLite cannot
    ALTER a column, so the env runs the operations in batch mode (a copy of the table)."""
    history = tmp_path / "history"
    shutil.copytree(locate.migrations_of("directory").location, history)
    head = locate.migrations_of("directory").head()
    after = f"{int(head) + 1:04d}"
    (history / "versions" / f"r{after}_change.py").write_text(
        CHANGE.replace("{next}", after).replace("{head}", head)
    )
    url = databases["directory"]
    await load_previous_release({"directory": url})
    engine = create_engine(url, pooled=False)
    try:
        done = await upgrade(engine, Migrations("directory", history))
        assert (done.before, done.after) == (None, after)
        async with engine.connect() as conn:
            rows = (
                await conn.exec_driver_sql("SELECT last_name, contract_kind FROM assistants")
            ).all()
        assert [tuple(r) for r in rows] == [("Poprzednia", "full")]
        # During the rolling update the previous release's replicas still start on it (its
        # migrations are written to keep them working); the new release refuses a database
        # that has not had them.
        await check_at_head(engine, locate.migrations_of("directory"))
    finally:
        await engine.dispose()
    behind = create_engine(databases["referrals"], pooled=False)
    try:
        await upgrade(behind, Migrations("directory", locate.migrations_of("directory").location))
        with pytest.raises(
            SchemaNotAtHead, match=f"w wersji {head}, a ta wersja Asysty wymaga wersji {after}"
        ):
            await check_at_head(behind, Migrations("directory", history))
    finally:
        await behind.dispose()


def test_a_database_the_migrations_cannot_take_over_fails_with_nothing_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A casework table of some other shape (a column that cannot be empty is missing): the
    migration refuses, says why, and leaves the database as it was (one transaction)."""
    for service in SERVICES:
        monkeypatch.setenv(
            f"{service.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
        )
    connection = sqlite3.connect(tmp_path / "casework.db")
    connection.execute("CREATE TABLE cases (case_id CHAR(32) PRIMARY KEY)")
    connection.commit()
    connection.close()
    assert asysta(["migrate"]) == 1
    said = capsys.readouterr().err
    assert "Migracja bazy casework nie powiodła się" in said
    assert "cases.referral_id" in said
    connection = sqlite3.connect(tmp_path / "casework.db")
    tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "events" not in tables and not any(t.startswith("alembic") for t in tables)
