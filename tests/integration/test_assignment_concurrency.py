"""The caseload limit holds under concurrent requests: 20 parallel assignments at an
assistant holding 14 families, against PostgreSQL, through the HTTP API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from services.casework.adapters.tables import cases
from services.casework.api import build_api
from services.casework.application.reactions import react
from services.casework.bootstrap import CaseworkApp, build_app
from services.casework.domain.caseload import CASELOAD
from services.casework.settings import CaseworkSettings
from shared.domain.clock import poland_today
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    FamilyMember,
    stream_id,
)
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA = "1465068"


@pytest.fixture
async def casework(pg_url: str) -> AsyncIterator[CaseworkApp]:
    app = build_app(CaseworkSettings(database_url=pg_url))
    await app.runtime.start(relay=False, worker=False)
    yield app
    await app.runtime.stop()


async def grant_cases(casework: CaseworkApp, count: int) -> list[uuid.UUID]:
    """Open cases as casework does on AssistanceGranted from referrals."""
    runtime = casework.runtime
    referral_ids = []
    for i in range(count):
        referral_id = uuid.uuid4()
        granted = AssistanceGranted(
            family_id=uuid.uuid4(),
            source="social_worker",
            obligatory=False,
            decided_on=poland_today(),
            members=(
                FamilyMember(
                    role="parent",
                    first_name="Anna",
                    last_name="Test",
                    pesel=pesel(date(1990, 1, 1), 100 + i, female=True),
                ),
            ),
        )
        await react(envelope_of(granted, "referral", referral_id), casework.runner)
        referral_ids.append(referral_id)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(select(cases.c.case_id, cases.c.referral_id))
        by_referral = {row.referral_id: row.case_id for row in rows}
    return [by_referral[r] for r in referral_ids]


async def test_twenty_parallel_assignments_at_fourteen_families_one_succeeds(
    casework: CaseworkApp,
) -> None:
    runtime = casework.runtime
    assistant_id = uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    await react(envelope_of(registered, "assistant", assistant_id), casework.runner)
    opened = await grant_cases(casework, 34)
    held, contested = opened[:14], opened[14:]

    app = build_api(casework, run_relay=False)
    headers = {"Authorization": f"Bearer {token(Role.HEAD, (OCHOTA,))}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://casework", headers=headers
    ) as client:
        for case_id in held:
            response = await client.post(
                f"/cases/{case_id}/assignment", json={"assistant_id": str(assistant_id)}
            )
            assert response.status_code == 200, response.text
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/cases/{case_id}/assignment", json={"assistant_id": str(assistant_id)}
                )
                for case_id in contested
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {p["type"] for p in refused} == {"https://asysta.pl/problems/caseload-limit-reached"}
    assert all("15" in p["detail"] for p in refused)

    async with runtime.engine.connect() as conn:
        stream = await runtime.store.read_stream(conn, stream_id(CASELOAD.name, assistant_id))
        caseload = CASELOAD.fold(e.event() for e in stream)
        active = (
            await conn.execute(
                select(func.count())
                .select_from(cases)
                .where(cases.c.assistant_id == assistant_id, cases.c.status == "active")
            )
        ).scalar_one()
    assert len(caseload.cases) == 15
    assert active == 15
