"""The daily digest goes to the address the directory keeps for the assistant: registered with
an e-mail (or given one later) by the administrator, the directory's events reach reporting
through Redis (both on PostgreSQL), and the aiosmtpd server in-process receives the digest at
that address; an assistant with none gets it at REPORTING_ASSISTANT_EMAILS' address, and an
address the directory refuses is a 422 in Polish."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import select

from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime
from services.directory.settings import DirectorySettings
from services.reporting.adapters.tables import assistants_view
from services.reporting.bootstrap import ReportingApp, build_digest, build_reporting
from services.reporting.settings import ReportingSettings
from shared.domain.clock import FixedClock
from shared.events import CaseloadOpened
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database, token
from tests.integration.test_reports import OCHOTA, History, case
from tests.integration.test_tasks import NOW, apply_history
from tests.integration.test_tasks_digest import Inbox, body
from tests.waiting import eventually

pytestmark = pytest.mark.integration

EWA = "ewa.kowalska@ops-ochota.example.pl"
OLD_EWA = "stary.adres@ops-ochota.example.pl"  # the setting's address: the directory's wins
ADAM = "adam.nowicki@ops-ochota.example.pl"
TOMASZ = "tomasz.fallback@ops-ochota.example.pl"  # no address in the directory: the setting's


@dataclass
class Centre:
    directory: Any
    directory_runtime: ServiceRuntime
    reporting: ReportingApp
    settings: ReportingSettings

    def admin(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.directory),
            base_url="http://service",
            headers={"Authorization": f"Bearer {token(Role.ADMIN, (OCHOTA,), subject='admin')}"},
        )

    async def addresses(self) -> dict[uuid.UUID, str | None]:
        async with self.reporting.engine.connect() as conn:
            columns = (assistants_view.c.assistant_id, assistants_view.c.email)
            return {row.assistant_id: row.email for row in await conn.execute(select(*columns))}


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    """aiosmtpd's SMTP server on the test's loop (as in test_tasks_digest.py)."""
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0)
    try:
        yield inbox, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def centre(
    redis_url: str, stream_prefix: str, smtp: tuple[Inbox, int]
) -> AsyncIterator[Centre]:
    _, port = smtp
    names = [await create_pg_database() for _ in range(2)]
    bus = {"REDIS_URL": redis_url, "ASYSTA_STREAM_PREFIX": stream_prefix}
    directory_runtime = build_runtime(
        DirectorySettings(database_url=f"{PG_HOST_URL}/{names[0]}", **bus)  # type: ignore[arg-type]
    )
    settings = ReportingSettings(
        database_url=f"{PG_HOST_URL}/{names[1]}",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_sender="Asysta <asysta@ops.example.pl>",
        # The worker's own digest job stays out of the way: the test runs the digest itself.
        digest_check_seconds=3600,
        **bus,  # type: ignore[arg-type]
    )
    reporting = build_reporting(settings, clock=FixedClock(NOW))
    try:
        await directory_runtime.start(relay=True, worker=False)
        await reporting.runtime.start(relay=False, worker=True)
        yield Centre(
            directory_api(directory_runtime, run_relay=True),
            directory_runtime,
            reporting,
            settings,
        )
    finally:
        await reporting.runtime.stop()
        await directory_runtime.stop()
        for name in names:
            await drop_pg_database(name)


async def _register(centre: Centre, first: str, last: str, email: str | None) -> uuid.UUID:
    body: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "district": OCHOTA,
        "employment_form": "employment_contract",
        "works_since": "2025-01-02",
    }
    if email is not None:
        body["email"] = email
    async with centre.admin() as admin:
        answer = await admin.post("/assistants", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["email"] == email
    return uuid.UUID(answer.json()["assistant_id"])


async def test_an_assistant_gets_the_digest_at_the_directorys_address(
    centre: Centre, smtp: tuple[Inbox, int]
) -> None:
    received, _ = smtp
    ewa = await _register(centre, "Ewa", "Kowalska", EWA)
    adam = await _register(centre, "Adam", "Nowicki", None)
    tomasz = await _register(centre, "Tomasz", "Zieliński", None)

    async with centre.admin() as admin:
        refused = await admin.put(f"/assistants/{adam}/email", json={"email": "adam(at)ops.pl"})
        given = await admin.put(f"/assistants/{adam}/email", json={"email": ADAM})
        listed = await admin.get("/assistants", params={"district": OCHOTA})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "nieprawidłowy adres e-mail" in refused.text
    assert given.status_code == 200 and given.json()["email"] == ADAM
    assert {a["last_name"]: a["email"] for a in listed.json()} == {
        "Kowalska": EWA,
        "Nowicki": ADAM,
        "Zieliński": None,
    }

    async def addresses_arrived() -> bool:
        return await centre.addresses() == {ewa: EWA, adam: ADAM, tomasz: None}

    await eventually(addresses_arrived, what="the assistants' addresses in reporting")

    # Each has a family whose periodic assessment is overdue (due 1 June, today 15 June).
    history = History()
    for who in (ewa, adam, tomasz):
        history.add("caseload", who, CaseloadOpened(district=OCHOTA, limit=15))
        case(history, source="social_worker", children=1, opened=date(2026, 5, 4),
             assigned=(who, date(2026, 5, 5)))  # fmt: skip
    await apply_history(centre.reporting, history)

    fallback = centre.settings.model_copy(
        update={"assistant_emails": {str(ewa): OLD_EWA, str(tomasz): TOMASZ}}
    )
    clock = FixedClock(NOW)
    result = await build_digest(fallback, centre.reporting.runtime, clock).run()
    assert sorted(result.sent) == sorted(f"assistant:{a}" for a in (ewa, adam, tomasz))
    by_to = {m["To"]: m for m in received.messages}
    assert sorted(by_to) == sorted([EWA, ADAM, TOMASZ])
    assert by_to[EWA]["X-Envelope-To"] == EWA
    assert by_to[EWA]["X-Asysta-Person"] == f"assistant:{ewa}"
    text = body(by_to[EWA])
    print(f"\n--- digest received by {EWA} ---\nSubject: {by_to[EWA]['Subject']}\n{text}")
    assert by_to[EWA]["Subject"].startswith("Asysta: przypomnienia na dzień 15.06.2026")
    assert "okresowa ocena sytuacji rodziny; termin 01.06.2026, po terminie od 14 dni" in text
    assert OLD_EWA not in {m["X-Envelope-To"] for m in received.messages}
