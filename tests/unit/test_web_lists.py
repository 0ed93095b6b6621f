"""The web app's lists and search against fake services (httpx's MockTransport): each list page
makes one call per list (no case or referral read one by one), shows the names the list answers
carry, and the search reads a surname or a PESEL, checks a PESEL before asking anyone, sends
the signed-in person's own token, and asks only the services' scoped list answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.web.app import create_app
from services.web.session import COOKIE_NAME, fernet_for
from services.web.settings import WebSettings
from suite.demo_data import pesel

SECRET = "a-session-secret-of-at-least-32-characters!"
OCHOTA = "1465068"
CASE_ID = "0b7f8a52-6f1d-4c58-9a55-111111111111"
FAMILY_ID = "0b7f8a52-6f1d-4c58-9a55-222222222222"
REFERRAL_ID = "0b7f8a52-6f1d-4c58-9a55-333333333333"
OTHER_FAMILY_ID = "0b7f8a52-6f1d-4c58-9a55-444444444444"
OTHER_REFERRAL_ID = "0b7f8a52-6f1d-4c58-9a55-555555555555"
GOOD_PESEL = pesel(date(1985, 2, 1), 211, female=False)

CASE = {
    "case_id": CASE_ID,
    "referral_id": REFERRAL_ID,
    "family_id": FAMILY_ID,
    "family_name": "Wójcik",
    "display_name": "Marek Wójcik",
    "children": 1,
    "address": "ul. Grójecka 1",
    "phone": "600 100 200",
    "district": OCHOTA,
    "obligatory": False,
    "status": "active",
    "assistant_id": "0b7f8a52-6f1d-4c58-9a55-666666666666",
    "assistant_name": "Agnieszka Wiśniewska",
    "opened_on": "2026-11-01",
    "consent_on": None,
    "work_started_on": "2026-11-02",
    "plan_version": 1,
    "last_visit_on": "2026-11-20",
    "next_assessment_due": "2026-11-30",
    "closed_on": None,
    "closure_reason": None,
    "monitoring_until": None,
    "days_waiting": None,
    "visits_this_week": 2,
    "next_court_deadline": None,
    "assessment_overdue": True,
    "court_opinion_due": False,
    "court_opinion_overdue": False,
    "not_seen_for_7_days": True,
}
REFERRAL = {
    "referral_id": REFERRAL_ID,
    "family_id": FAMILY_ID,
    "family_name": "Wójcik",
    "display_name": "Marek Wójcik",
    "children": 1,
    "address": None,
    "phone": None,
    "days_waited": None,
    "district": OCHOTA,
    "source": "social_worker",
    "sender_reference": None,
    "status": "granted",
    "referred_on": "2026-10-20",
    "interviewed_on": None,
    "decided_on": "2026-10-25",
    "linked_to_referral_id": None,
    "linked_to_case_id": None,
    "linked_referrals": 0,
}
WAITING_REFERRAL = {
    **REFERRAL,
    "referral_id": OTHER_REFERRAL_ID,
    "family_id": OTHER_FAMILY_ID,
    "family_name": "Nowak",
    "display_name": "Katarzyna Nowak",
    "children": 2,
    "days_waited": 9,
    "source": "school",
    "status": "awaiting_decision",
    "decided_on": None,
}


@dataclass
class FakeServices:
    """Answers the list routes and records every call: (service, path, params, token)."""

    calls: list[tuple[str, str, dict[str, str], str]] = field(default_factory=list)
    posted: list[tuple[str, str, Any]] = field(default_factory=list)

    def transport(self, service: str) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                self.posted.append((service, request.url.path, json.loads(request.content)))
                return httpx.Response(201, json={"referral_id": OTHER_REFERRAL_ID})
            params = dict(request.url.params)
            token = request.headers["authorization"].removeprefix("Bearer ")
            self.calls.append((service, request.url.path, params, token))
            return httpx.Response(200, json=self.body(service, request.url.path, params))

        return httpx.MockTransport(answer)

    @staticmethod
    def body(service: str, path: str, params: dict[str, str]) -> Any:
        if (service, path) == ("casework", "/cases"):
            return [] if params.get("q") == "kowal" else [CASE]
        if (service, path) == ("referrals", "/referrals"):
            return [] if params.get("q") == "kowal" else [REFERRAL, WAITING_REFERRAL]
        if (service, path) == ("casework", "/waiting-list"):
            return [{**CASE, "status": "waiting", "days_waiting": 4, "assistant_id": None}]
        if (service, path) == ("casework", "/assessments/overdue"):
            return [
                {
                    "case_id": CASE_ID,
                    "family_name": "Wójcik",
                    "display_name": "Marek Wójcik",
                    "assistant_id": None,
                    "assistant_name": "Agnieszka Wiśniewska",
                    "next_assessment_due": "2026-11-01",
                    "days_overdue": 5,
                }
            ]
        # The reminders beside the lists (reporting's task list and the menu's count).
        if (service, path) == ("reporting", "/tasks/summary"):
            return {"total": 0, "overdue": 0, "due": 0, "by_kind": {}}
        if (service, path) == ("reporting", "/tasks"):
            return {"tasks": []}
        return []

    def paths(self) -> list[tuple[str, str]]:
        """The calls for the page's lists; the reminders (reporting's tasks, asked once per page
        beside them) are counted by `reminder_paths`."""
        return [(s, path) for s, path, _params, _token in self.calls if s != "reporting"]

    def reminder_paths(self) -> list[tuple[str, str]]:
        return [(s, path) for s, path, _params, _token in self.calls if s == "reporting"]


@pytest.fixture
def fake() -> FakeServices:
    return FakeServices()


@pytest.fixture
def web(fake: FakeServices) -> Iterator[TestClient]:
    config = WebSettings(
        environment="development",  # type: ignore[arg-type]
        session_secret=SECRET,  # type: ignore[arg-type]
        referrals_url="http://referrals",
        casework_url="http://casework",
        directory_url="http://directory",
        reporting_url="http://reporting",
    )
    with TestClient(create_app(config), follow_redirects=False) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        services._clients = {
            name: httpx.AsyncClient(base_url=f"http://{name}", transport=fake.transport(name))
            for name in ("referrals", "casework", "directory", "reporting")
        }
        yield client


def sign_in(client: TestClient, role: str, district: str = OCHOTA) -> str:
    """Put a signed-in person in the session cookie; their token is "token-<role>"."""
    user = {
        "subject": f"{role}-1",
        "role": role,
        "districts": [district],
        "name": "Test",
        "token": f"token-{role}",
    }
    cookie = fernet_for(SECRET).encrypt(json.dumps({"user": user, "csrf": "c"}).encode())
    client.cookies.set(COOKIE_NAME, cookie.decode())
    return f"token-{role}"


def test_my_families_is_one_call_with_names_visits_and_flags(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "assistant")
    page = web.get("/assistant")
    assert page.status_code == 200, page.text
    assert fake.paths() == [("casework", "/cases")]
    # The menu counts the reminders listed on the page: one call to reporting for both.
    assert fake.reminder_paths() == [("reporting", "/tasks")]
    assert "Marek Wójcik (1 dziecko)" in page.text
    assert "600 100 200" in page.text
    for flag in ("brak zgody", "ocena po terminie", "brak wizyty od tygodnia"):
        assert flag in page.text
    assert re.search(r'data-label="Wizyty w tym tygodniu" class="num">2<', page.text)


def test_the_heads_desk_and_lists_read_each_list_once(web: TestClient, fake: FakeServices) -> None:
    sign_in(web, "head")
    desk = web.get("/head")
    assert desk.status_code == 200, desk.text
    assert sorted(fake.paths()) == sorted(
        [
            ("referrals", "/referrals"),
            ("casework", "/waiting-list"),
            ("casework", "/assessments/overdue"),
            ("casework", "/court-opinions"),
            ("casework", "/cases"),
        ]
    )
    assert "Katarzyna Nowak (2 dzieci)" in desk.text
    assert "Agnieszka Wiśniewska" in desk.text  # whose assessment is overdue
    fake.calls.clear()
    waiting = web.get("/head/waiting")
    assert fake.paths() == [("casework", "/waiting-list")]
    assert "Marek Wójcik (1 dziecko)" in waiting.text
    fake.calls.clear()
    referrals = web.get("/head/referrals", params={"status": ""})
    assert fake.paths() == [("referrals", "/referrals")]
    # Waited on longest first; a decided referral shows no days waited.
    assert referrals.text.index("Katarzyna Nowak") < referrals.text.index("Marek Wójcik")


def test_the_social_workers_page_lists_their_own_referrals_and_the_districts_to_interview(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "social_worker")
    page = web.get("/social/referrals")
    assert page.status_code == 200, page.text
    # One call per list: theirs (`mine`) and the district's awaiting an interview.
    asked = sorted(
        sorted(params.items()) for service, path, params, _t in fake.calls if service == "referrals"
    )
    assert asked == [
        [("district", OCHOTA), ("mine", "true")],
        [("district", OCHOTA), ("status", "awaiting_interview")],
    ]
    assert "Katarzyna Nowak (2 dzieci)" in page.text
    assert "Zgłoszenia przyjęte przeze mnie" in page.text
    assert "Czekają na wywiad środowiskowy w dzielnicy" in page.text


def test_search_by_a_surname_asks_cases_and_referrals_with_the_persons_token(
    web: TestClient, fake: FakeServices
) -> None:
    token = sign_in(web, "head")
    page = web.get("/search", params={"q": "Wojcik"})
    assert page.status_code == 200, page.text
    assert sorted(fake.calls) == sorted(
        [
            ("casework", "/cases", {"district": OCHOTA, "q": "Wojcik"}, token),
            ("referrals", "/referrals", {"district": OCHOTA, "q": "Wojcik"}, token),
        ]
    )
    # The family with a case is shown once, by its case; the waiting referral by itself.
    assert page.text.count(f'href="/cases/{CASE_ID}"') == 1
    assert f'href="/referrals/{REFERRAL_ID}"' not in page.text
    assert f'href="/referrals/{OTHER_REFERRAL_ID}"' in page.text
    assert "Liczba pozycji: <strong>2</strong>" in page.text


def test_search_by_pesel_and_nothing_found(web: TestClient, fake: FakeServices) -> None:
    sign_in(web, "assistant")
    page = web.get("/search", params={"q": f" {GOOD_PESEL} "})
    assert page.status_code == 200
    # An assistant's token lists no referrals: only casework is asked.
    assert [(s, p, q) for s, p, q, _t in fake.calls] == [
        ("casework", "/cases", {"district": OCHOTA, "pesel": GOOD_PESEL})
    ]
    assert "Marek Wójcik (1 dziecko)" in page.text
    none = web.get("/search", params={"q": "kowal"})
    assert "Nic nie znaleziono" in none.text


def test_a_bad_pesel_or_one_letter_is_refused_beside_the_field_without_asking_anyone(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "head")
    bad = web.get("/search", params={"q": "85020121199"})
    assert bad.status_code == 422
    assert re.search(r'id="e-q"[^>]*>.*Nieprawidłowy numer PESEL', bad.text, re.S)
    assert 'aria-invalid="true"' in bad.text
    short = web.get("/search", params={"q": "ł"})
    assert short.status_code == 422
    assert re.search(r'id="e-q"[^>]*>.*Wpisz co najmniej 2 litery nazwiska<', short.text, re.S)
    # As you type (htmx), half a PESEL is not yet an error: the results say to type more.
    typing = web.get("/search", params={"q": "8502"}, headers={"HX-Request": "true"})
    assert typing.status_code == 200
    assert "Wpisz co najmniej 2 litery" in typing.text and "<html" not in typing.text
    assert fake.calls == []


@pytest.mark.parametrize("role", ["city_analyst", "school", "court"])
def test_who_sees_no_family_has_no_search(web: TestClient, role: str) -> None:
    sign_in(web, role)
    refused = web.get("/search", params={"q": "Wojcik"})
    assert refused.status_code == 403
    assert "Nie masz uprawnień" in refused.text
    assert 'action="/search"' not in refused.text  # and no search box in the header


def test_the_header_offers_the_search_to_those_who_may_search(web: TestClient) -> None:
    sign_in(web, "assistant")
    page = web.get("/assistant")
    assert re.search(r'<form method="get" action="/search" role="search"', page.text)
    assert '<label for="site-search"' in page.text


def test_as_you_type_the_results_alone_come_back(web: TestClient) -> None:
    sign_in(web, "head")
    typing = web.get("/search", params={"q": "Wojc"}, headers={"HX-Request": "true"})
    assert typing.status_code == 200, typing.text
    assert "<html" not in typing.text and 'id="search-results"' not in typing.text
    assert "Marek Wójcik (1 dziecko)" in typing.text
    assert "Liczba pozycji: <strong>2</strong>" in typing.text


def test_the_administrator_is_led_to_the_familys_audit_trail(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "admin", "*")
    page = web.get("/search", params={"q": "Wojcik"})
    assert page.status_code == 200, page.text
    # City-wide: no district asked for, no referrals list (not the administrator's).
    assert [(s, p, q) for s, p, q, _t in fake.calls] == [("casework", "/cases", {"q": "Wojcik"})]
    assert f'href="/admin/audit?family_id={FAMILY_ID}"' in page.text
    assert f"<code>{FAMILY_ID}</code>" in page.text


def test_the_institutions_search_as_you_type_returns_the_results_alone(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "admin", "*")
    typing = web.get("/admin/institutions", params={"q": "porad"}, headers={"HX-Request": "true"})
    assert typing.status_code == 200, typing.text
    assert "<html" not in typing.text
    assert "Liczba pozycji: <strong>0</strong>" in typing.text
    assert ("directory", "/institutions") in fake.paths()


def test_a_new_referral_gives_the_familys_address_and_phone_to_its_first_adult(
    web: TestClient, fake: FakeServices
) -> None:
    sign_in(web, "social_worker")
    form = {
        "csrf_token": "c",
        "source": "social_worker",
        "reason": "Zaległości w opłatach, dzieci opuszczają szkołę.",
        "address": "ul. Grójecka 1 m. 2, 02-021 Warszawa",
        "phone": "600 100 200",
        "m-0-role": "child",
        "m-0-first_name": "Kacper",
        "m-0-last_name": "Wójcik",
        "m-0-pesel": pesel(date(2014, 3, 9), 25, female=False),
        "m-1-role": "parent",
        "m-1-first_name": "Marek",
        "m-1-last_name": "Wójcik",
        "m-1-pesel": GOOD_PESEL,
    }
    response = web.post("/social/referrals/new", data=form)
    assert response.status_code == 303, response.text
    [(service, path, body)] = fake.posted
    assert (service, path) == ("referrals", "/referrals")
    child, parent = body["members"]
    assert parent["address"] == "ul. Grójecka 1 m. 2, 02-021 Warszawa"
    assert parent["phone"] == "600 100 200"
    assert "address" not in child and "phone" not in child
    assert body["reason"] == "Zaległości w opłatach, dzieci opuszczają szkołę."
