"""The referrals list on PostgreSQL: the family's name, children, source and days waited;
search by a folded surname and by PESEL within the caller's district; and after erasure no
name in clear in the referrals read model, the list reading "[usunięto]"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.referrals.adapters.tables import referrals as referrals_table
from services.referrals.api import build_api
from services.referrals.bootstrap import build_runtime
from services.referrals.settings import ReferralsSettings
from shared.domain.clock import FixedClock
from shared.events.personal import ERASED
from shared.runtime.service import ServiceRuntime
from shared.web.audit import audit_entries
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token

pytestmark = pytest.mark.integration

OCHOTA, WOLA = "1465068", "1465188"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MOTHER = pesel(date(1987, 2, 3), 11, female=True)


@pytest.fixture
async def api(pg_url: str) -> AsyncIterator[FastAPI]:
    runtime: ServiceRuntime = build_runtime(
        ReferralsSettings(database_url=pg_url), clock=FixedClock(NOW)
    )
    await runtime.start(relay=False, worker=False)
    yield build_api(runtime, False, False)
    await runtime.stop()


def client(api: FastAPI, role: Role, district: str = OCHOTA) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api),
        base_url="http://referrals",
        headers={"Authorization": f"Bearer {token(role, (district,))}"},
    )


async def _refer(api: FastAPI) -> str:
    body = {
        "district": OCHOTA,
        "source": "social_worker",
        "referred_on": (NOW.date() - timedelta(days=5)).isoformat(),
        "members": [
            {
                "role": "parent",
                "first_name": "Anna",
                "last_name": "Żółkiewska",
                "pesel": MOTHER,
                "phone": "600 100 200",
                "address": "ul. Grójecka 1, Warszawa",
            },
            {
                "role": "child",
                "first_name": "Jaś",
                "last_name": "Żółkiewski",
                "pesel": pesel(date(2016, 4, 5), 21, female=False),
            },
        ],
        "reason": "Rodzina prosi o wsparcie.",
    }
    async with client(api, Role.SOCIAL_WORKER) as social_worker:
        answer = await social_worker.post("/referrals", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["family_id"])


async def test_the_list_names_the_family_and_search_finds_it(api: FastAPI) -> None:
    await _refer(api)
    async with client(api, Role.HEAD) as head:
        listed = (await head.get("/referrals", params={"district": OCHOTA})).json()
        by_name = (await head.get("/referrals", params={"district": OCHOTA, "q": "zolk"})).json()
        by_pesel = (
            await head.get("/referrals", params={"district": OCHOTA, "pesel": MOTHER})
        ).json()
        nobody = (await head.get("/referrals", params={"district": OCHOTA, "q": "kowal"})).json()
        short = await head.get("/referrals", params={"district": OCHOTA, "q": "ż"})
    [referral] = listed
    assert (referral["family_name"], referral["display_name"]) == (
        "Żółkiewska",
        "Anna Żółkiewska",
    )
    assert (referral["children"], referral["source"], referral["phone"]) == (
        1,
        "social_worker",
        "600 100 200",
    )
    assert referral["days_waited"] == 5
    assert by_name == by_pesel == listed
    assert nobody == []
    assert short.status_code == 422
    async with client(api, Role.HEAD, WOLA) as head_of_wola:
        other = await head_of_wola.get("/referrals", params={"district": OCHOTA, "q": "zolk"})
        own = await head_of_wola.get("/referrals", params={"district": WOLA, "pesel": MOTHER})
    assert other.status_code == 403
    assert own.json() == []
    async with client(api, Role.CITY_ANALYST, "*") as analyst:
        assert (await analyst.get("/referrals", params={"district": OCHOTA})).status_code == 403


async def test_an_erased_family_leaves_no_name_in_the_referrals_list(api: FastAPI) -> None:
    family_id = await _refer(api)
    async with client(api, Role.ADMIN, "*") as admin:
        erased = await admin.post(
            f"/families/{family_id}/erasure", json={"reason": "upływ okresu przechowywania"}
        )
    assert erased.status_code == 202, erased.text
    runtime: ServiceRuntime = api.state.runtime
    async with runtime.engine.connect() as conn:
        rows = " ".join(str(r) for r in await conn.execute(select(referrals_table)))
    for secret in ("Żółkiewsk", "Grójecka", "600 100 200", MOTHER):
        assert secret not in rows
    async with client(api, Role.HEAD) as head:
        [referral] = (await head.get("/referrals", params={"district": OCHOTA})).json()
        found = (await head.get("/referrals", params={"district": OCHOTA, "q": "zolk"})).json()
    assert (referral["family_name"], referral["display_name"]) == (ERASED, ERASED)
    assert referral["phone"] is None
    assert found == []


async def test_every_family_the_list_names_is_in_the_audit_trail(api: FastAPI) -> None:
    family_id = await _refer(api)
    async with client(api, Role.HEAD) as head:
        [listed] = (await head.get("/referrals", params={"district": OCHOTA})).json()
        trail = (await head.get("/audit", params={"family_id": family_id})).json()
    listings = [e for e in trail if e["action"] == "referral.list"]
    assert [
        (e["role"], e["route"], e["resource"], e["resource_id"], e["district"], e["writes"])
        for e in listings
    ] == [("head", "GET /referrals", "referral", listed["referral_id"], OCHOTA, False)]
    runtime: ServiceRuntime = api.state.runtime
    [entry] = await audit_entries(runtime, family_id=UUID(family_id))
    assert entry["subject"] == "t" and entry["action"] == "referral.list"


async def test_mine_lists_only_the_referrals_the_caller_recorded(api: FastAPI) -> None:
    await _refer(api)  # recorded by the social worker "t"

    def as_worker(subject: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api),
            base_url="http://referrals",
            headers={
                "Authorization": f"Bearer {token(Role.SOCIAL_WORKER, (OCHOTA,), subject=subject)}"
            },
        )

    params = {"district": OCHOTA, "mine": "true"}
    async with as_worker("t") as recorder, as_worker("ewa") as colleague:
        own = (await recorder.get("/referrals", params=params)).json()
        theirs = (await colleague.get("/referrals", params=params)).json()
        district = (await colleague.get("/referrals", params={"district": OCHOTA})).json()
        bad = await colleague.get("/referrals", params={"district": OCHOTA, "mine": "maybe"})
    assert [r["family_name"] for r in own] == ["Żółkiewska"]
    assert theirs == []
    assert [r["family_name"] for r in district] == ["Żółkiewska"]
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
