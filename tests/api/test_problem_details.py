"""Bad input gets a 4xx in the problem-details shape, in Polish, or in English on request."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from services.referrals.api import build_api
from services.referrals.bootstrap import build_runtime
from services.referrals.settings import ReferralsSettings
from shared.runtime.service import ServiceRuntime
from suite.demo_data import pesel

PROBLEM = "https://asysta.pl/problems/"


def referrals(url: str) -> tuple[ServiceRuntime, object]:
    runtime = build_runtime(ReferralsSettings(database_url=url))
    return runtime, build_api(runtime, run_relay=False)


@pytest.fixture
async def client(service_client) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return await service_client(referrals)


def referral(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "district": "1465068",
        "source": "court_order",
        "sender_reference": "III Nsm 1/26",
        "members": [
            {
                "role": "parent",
                "first_name": "Anna",
                "last_name": "Test",
                "pesel": pesel(date(1990, 5, 5), 7, female=True),
            }
        ],
    }
    return {**body, **overrides}


async def test_an_invalid_pesel_is_named_in_polish_and_in_english(
    client: httpx.AsyncClient,
) -> None:
    body = referral(
        members=[{"role": "parent", "first_name": "A", "last_name": "B", "pesel": "90050500071"}]
    )
    response = await client.post("/referrals", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "invalid-request"
    assert problem["title"] == "Nieprawidłowe dane"
    (error,) = problem["errors"]
    assert error["field"] == "members.0.pesel"
    assert error["type"] == "invalid_pesel"
    assert "nieprawidłowy numer PESEL" in error["message"]
    english = await client.post("/referrals", json=body, headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Invalid request"
    assert "invalid PESEL" in english.json()["errors"][0]["message"]


async def test_unknown_fields_wrong_types_and_bad_codes_are_refused(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/referrals", json=referral(colour="red", district="1465208", source="neighbour")
    )
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert response.status_code == 422
    assert errors["colour"]["message"] == "nieznane pole"
    assert errors["district"]["type"] == "invalid_terc"
    assert errors["source"]["message"] == "wartość spoza listy dozwolonych"


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/referrals", content=b'{"district": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM + "malformed-json"


async def test_a_body_over_the_limit_is_a_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/referrals", json=referral(reason="x" * 1_200_000))
    assert response.status_code == 413


async def test_no_token_is_a_401(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/referrals", params={"district": "1465068"}, headers={"Authorization": ""}
    )
    assert response.status_code == 401
    assert response.json()["type"] == PROBLEM + "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_declining_a_court_order_is_refused_with_the_law_in_the_message(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post("/referrals", json=referral())).json()
    decision = {"decision": "declined", "reason": "Nie"}
    response = await client.post(f"/referrals/{created['referral_id']}/decision", json=decision)
    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "obligatory-referral-cannot-be-declined"
    assert "z mocy prawa" in response.json()["detail"]
    english = await client.post(
        f"/referrals/{created['referral_id']}/decision",
        json=decision,
        headers={"Accept-Language": "en-GB,en;q=0.9,pl;q=0.5"},
    )
    assert "the law grants" in english.json()["detail"]


async def test_an_unknown_referral_is_a_404_in_both_languages(client: httpx.AsyncClient) -> None:
    missing = "7b0e5a0c-0000-4000-8000-000000000000"
    response = await client.get(f"/referrals/{missing}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Nie ma zgłoszenia o identyfikatorze {missing}."
    english = await client.get(f"/referrals/{missing}", headers={"Accept-Language": "en"})
    assert english.json()["detail"] == f"There is no referral with id {missing}."
