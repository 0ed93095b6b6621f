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
from services.casework.application.policies import CaseworkPolicies
from services.casework.bootstrap import build_runtime
from services.casework.domain.caseload import CASELOAD
from services.casework.settings import CaseworkSettings
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    FamilyMember,
)
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA = "1465068"


@pytest.fixture
async def runtime(pg_url: str) -> AsyncIterator[ServiceRuntime]:
    runtime = build_runtime(CaseworkSettings(database_url=pg_url))
    await runtime.start(relay=False, worker=False)
    yield runtime
    await runtime.stop()


async def grant_cases(runtime: ServiceRuntime, count: int) -> list[uuid.UUID]:
    """Open cases as casework does on AssistanceGranted from referrals."""
    policies = CaseworkPolicies(runtime.store)
    referral_ids = []
    for i in range(count):
        referral_id = uuid.uuid4()
        granted = AssistanceGranted(
            family_id=uuid.uuid4(),
            source="social_worker",
            obligatory=False,
            decided_on=date.today(),
            members=(
                FamilyMember(
                    role="parent",
                    first_name="Anna",
                    last_name="Test",
                    pesel=pesel(date(1990, 1, 1), 100 + i, female=True),
                ),
            ),
        )
        async with runtime.transaction() as conn:
            await policies.on_referrals_event(conn, envelope_of(granted, "referral", referral_id))
        referral_ids.append(referral_id)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(select(cases.c.case_id, cases.c.referral_id))
        by_referral = {row.referral_id: row.case_id for row in rows}
    return [by_referral[r] for r in referral_ids]


async def test_twenty_parallel_assignments_at_fourteen_families_one_succeeds(
    runtime: ServiceRuntime,
) -> None:
    assistant_id = uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    async with runtime.transaction() as conn:
        await CaseworkPolicies(runtime.store).on_directory_event(
            conn, envelope_of(registered, "assistant", assistant_id)
        )
    opened = await grant_cases(runtime, 34)
    held, contested = opened[:14], opened[14:]

    app = build_api(runtime, run_relay=False)
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
        caseload, _, _ = await CASELOAD.load(conn, runtime.store, assistant_id)
        active = (
            await conn.execute(
                select(func.count())
                .select_from(cases)
                .where(cases.c.assistant_id == assistant_id, cases.c.status == "active")
            )
        ).scalar_one()
    assert len(caseload.cases) == 15
    assert active == 15
