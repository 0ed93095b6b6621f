"""The directory's HTTP API on SQLite: assistants' terms and activity, institutions registered,
changed, closed and searched, problem details in Polish and English, the seed over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.directory.api import build_api
from services.directory.bootstrap import build_runtime
from services.directory.seed import load_seed_async, seed_institutions
from services.directory.settings import DirectorySettings
from shared.domain.clock import FixedClock
from shared.runtime.service import ServiceRuntime
from tests.conftest import token

pytestmark = pytest.mark.integration

OCHOTA, MOKOTOW, WLOCHY = "1465068", "1465058", "1465178"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

PORADNIA: dict[str, Any] = {
    "name": "Poradnia Psychologiczno-Pedagogiczna nr 9",
    "category": "diagnostic_centre",
    "regon": "123456785",
    "address": {"street": "ul. Szczęśliwicka 56", "postal_code": "02-353", "city": "Warszawa"},
    "district": OCHOTA,
    "also_serves": [WLOCHY],
    "phone": "22 822 39 88",
    "email": "sekretariat@ppp9.example",
    "opening_hours": "pon.-czw. 8:00-19:00, pt. 8:00-16:00",
    "competence": ["diagnoza psychologiczna i pedagogiczna", "opinie i orzeczenia"],
}


@pytest.fixture
async def runtime(sqlite_url: str) -> AsyncIterator[ServiceRuntime]:
    runtime = build_runtime(DirectorySettings(database_url=sqlite_url), clock=FixedClock(NOW))
    await runtime.start(relay=False, worker=False)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def client(runtime: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    app = build_api(runtime, False, False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://directory",
        headers={"Authorization": f"Bearer {token()}"},
    ) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_an_assistant_with_terms_of_employment_stops_and_resumes_work(
    client: httpx.AsyncClient,
) -> None:
    created = ok(
        await client.post(
            "/assistants",
            json={
                "first_name": "Agnieszka",
                "last_name": "Wiśniewska",
                "district": OCHOTA,
                "employment_form": "employment_contract",
                "works_since": "2025-03-01",
                "working_time": "part_time",
                "hours_per_week": 20,
                "working_time_system": "task_based",
                "works_until": "2027-02-28",
            },
        ),
        201,
    )
    assistant_id = created["assistant_id"]
    assert created["active"] is True
    assert (created["working_time"], created["hours_per_week"]) == ("part_time", 20)

    changed = ok(
        await client.put(
            f"/assistants/{assistant_id}/employment",
            json={"employment_form": "employment_contract", "working_time": "full_time"},
        )
    )
    assert changed["working_time"] == "full_time"
    assert changed["hours_per_week"] is None and changed["works_until"] is None

    stopped = ok(
        await client.post(
            f"/assistants/{assistant_id}/deactivation",
            json={"ended_on": "2026-10-31", "reason": "long_term_leave"},
        )
    )
    assert (stopped["active"], stopped["ended_on"], stopped["end_reason"]) == (
        False,
        "2026-10-31",
        "long_term_leave",
    )
    again = await client.post(
        f"/assistants/{assistant_id}/deactivation", json={"reason": "resigned"}
    )
    assert again.status_code == 409
    assert again.json()["type"] == "https://asysta.pl/problems/assistant-inactive"
    assert "2026-10-31" in again.json()["detail"]

    assert ok(await client.get("/assistants", params={"active": "true"})) == []
    listed = ok(await client.get("/assistants", params={"district": OCHOTA, "active": False}))
    assert [a["assistant_id"] for a in listed] == [assistant_id]

    back = ok(await client.post(f"/assistants/{assistant_id}/reactivation", json={}))
    assert back["active"] is True and back["ended_on"] is None


async def test_assistant_rules_answer_in_polish_or_english(client: httpx.AsyncClient) -> None:
    body = {
        "first_name": "Jan",
        "last_name": "Zieliński",
        "district": OCHOTA,
        "employment_form": "civil_law_contract",
        "working_time_system": "task_based",
    }
    refused = await client.post("/assistants", json=body)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "System czasu pracy tylko przy umowie o pracę"
    english = await client.post("/assistants", json=body, headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Working-time system only under an employment contract"

    missing = await client.post(
        "/assistants/00000000-0000-0000-0000-000000000000/deactivation",
        json={"reason": "resigned"},
    )
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Nie ma asystenta")


async def test_an_institution_is_registered_changed_searched_and_closed(
    client: httpx.AsyncClient,
) -> None:
    created = ok(await client.post("/institutions", json=PORADNIA), 201)
    institution_id = created["institution_id"]
    location = f"/institutions/{institution_id}"
    assert (await client.get(location)).json() == created
    assert created["address"]["postal_code"] == "02-353"
    assert created["closed"] is False

    patched = ok(await client.patch(location, json={"phone": None, "competence": ["terapia"]}))
    assert patched["phone"] is None and patched["competence"] == ["terapia"]
    assert patched["email"] == PORADNIA["email"]
    refused = await client.patch(location, json={"name": None})
    assert refused.status_code == 422
    assert "name" in refused.json()["errors"][0]["message"]

    replaced = ok(await client.put(location, json={**PORADNIA, "district": MOKOTOW}))
    assert replaced["district"] == MOKOTOW and replaced["phone"] == PORADNIA["phone"]

    found = ok(await client.get("/institutions", params={"q": "PSYCHOLOGICZNO szczesliwicka"}))
    assert [i["institution_id"] for i in found] == [institution_id]
    for params in (
        {"district": WLOCHY},
        {"district": MOKOTOW, "category": "diagnostic_centre"},
        {"q": "poradnia"},
    ):
        assert len(ok(await client.get("/institutions", params=params))) == 1, params
    assert ok(await client.get("/institutions", params={"district": OCHOTA})) == []
    assert ok(await client.get("/institutions", params={"category": "police"})) == []

    closed = ok(await client.post(f"{location}/closure", json={"reason": "połączona z PPP nr 5"}))
    assert closed["closed"] is True and closed["closed_on"] == "2026-11-23"
    assert ok(await client.get("/institutions", params={"q": "poradnia"})) == []
    assert len(ok(await client.get("/institutions", params={"include_closed": True}))) == 1
    after = await client.patch(location, json={"phone": "22 822 39 88"})
    assert after.status_code == 409
    assert after.json()["type"] == "https://asysta.pl/problems/institution-closed"


async def test_invalid_institution_data_is_refused_field_by_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/institutions",
        json={
            **PORADNIA,
            "regon": "123456786",
            "address": {**PORADNIA["address"], "postal_code": "02353"},
            "email": "sekretariat@ppp9",
            "category": "church",
        },
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "regon": "nieprawidłowa cyfra kontrolna numeru REGON",
        "address.postal_code": "kod pocztowy ma postać NN-NNN, np. 02-353",
        "email": "nieprawidłowy adres e-mail",
        "category": "wartość spoza listy dozwolonych",
    }

    types = {e["field"]: e["type"] for e in response.json()["errors"]}
    assert types["regon"] == "invalid_regon" and types["email"] == "invalid_email"
    english = await client.post(
        "/institutions",
        json={**PORADNIA, "regon": "12345678", "phone": "22 822 39"},
        headers={"Accept-Language": "en"},
    )
    assert {e["field"]: e["message"] for e in english.json()["errors"]} == {
        "regon": "a REGON has 9 or 14 digits",
        "phone": "a phone number has 9 digits (or +48 and 9 digits, or 3-6 for a short number)",
    }

    ok(await client.post("/institutions", json=PORADNIA), 201)
    duplicate = await client.post("/institutions", json={**PORADNIA, "name": "Inna"})
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == "https://asysta.pl/problems/regon-already-registered"
    assert duplicate.json()["regon"] == "123456785"

    missing = await client.get("/institutions/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Nie ma instytucji")


async def test_the_seed_over_http_is_idempotent_and_searchable_without_diacritics(
    client: httpx.AsyncClient,
) -> None:
    async def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return await client.post(path, json=body)

    first = await load_seed_async(post)
    assert first.created == len(seed_institutions())
    second = await load_seed_async(post)
    assert (second.created, second.already_present) == (0, first.created)

    everything = ok(await client.get("/institutions", params={"limit": 500}))
    assert len(everything) == first.created
    zoliborz = ok(
        await client.get("/institutions", params={"q": "zoliborz", "category": "family_court"})
    )
    assert [i["name"] for i in zoliborz] == [
        "Sąd Rejonowy dla Warszawy-Żoliborza w Warszawie, III Wydział Rodzinny i Nieletnich"
    ]


async def test_the_api_needs_a_token(runtime: ServiceRuntime) -> None:
    app = build_api(runtime, False, False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://directory"
    ) as anonymous:
        response = await anonymous.get("/institutions")
    assert response.status_code == 401
