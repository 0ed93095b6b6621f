"""A realistic day at three Warsaw centres, driven over HTTP: assistants registered, a school's
and a social worker's referrals (and a court order, a "Za życiem" request, a family asking
itself), the head's decisions, assignments, visits and a work plan. Used by `make demo`, by
`make run` on an empty start and by the end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx

from shared.domain.clock import poland_today
from shared.web.auth import Role, issue_token
from suite.demo_data import ASSIGNMENTS, ASSISTANTS, MOKOTOW, OCHOTA, REFERRALS, WOLA

T = TypeVar("T")


class ScenarioFailed(RuntimeError):
    pass


def wait_for(what: str, probe: Callable[[], T | None], *, timeout: float = 30.0) -> T:
    """Poll `probe` until it returns something, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise ScenarioFailed(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


@dataclass
class Suite:
    """HTTP clients of the running suite, acting as one user (a role in some districts)."""

    urls: dict[str, str]
    secret: str
    role: Role = Role.ADMIN
    districts: tuple[str, ...] = ("*",)
    subject: str = "demo"
    _clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    def as_(self, role: Role, *districts: str, subject: str | None = None) -> Suite:
        """The same suite, acting as another user; clients are shared."""
        return Suite(
            self.urls,
            self.secret,
            role,
            districts or ("*",),
            subject or f"{role.value}-{'-'.join(districts)}",
            self._clients,
        )

    def head(self, district: str) -> Suite:
        return self.as_(Role.HEAD, district)

    def social_worker(self, district: str) -> Suite:
        return self.as_(Role.SOCIAL_WORKER, district)

    def assistant(self, district: str, assistant_id: str) -> Suite:
        return self.as_(Role.ASSISTANT, district, subject=assistant_id)

    @property
    def token(self) -> str:
        return issue_token(
            self.secret, subject=self.subject, role=self.role, districts=self.districts
        )

    def client(self, service: str) -> httpx.Client:
        key = (service, f"{self.role}:{self.subject}:{self.districts}")
        if key not in self._clients:
            self._clients[key] = httpx.Client(
                base_url=self.urls[service],
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=30,
            )
        return self._clients[key]

    def call(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client(service).request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ScenarioFailed(
                f"{method} {service}{path} as {self.role.value}: {response.status_code} "
                f"{response.text}"
            )
        return response

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def load_directory_seed(suite: Suite, *, log: Callable[[str], None] = print) -> None:
    """Warsaw's institutions (counselling, crisis intervention, schools, courts, ...)."""
    from services.directory.seed import load_seed

    directory = suite.as_(Role.ADMIN, "*", subject="demo-loader").client("directory")
    result = load_seed(lambda path, body: directory.post(path, json=body))
    log(f"Instytucje w rejestrze: dodano {result.created}, już były {result.already_present}")


def run_scenario(suite: Suite, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Drive the scenario, each step as the person who does it at a centre; return the ids it
    created, keyed by family."""
    run = _Run(suite, log, poland_today())
    run.register_assistants()
    run.take_referrals()
    run.interview()
    run.decide()
    run.wait_for_cases()
    run.assign()
    run.sign_consents()
    run.visit()
    run.agree_plan()
    return {"assistants": run.assistants, "referrals": run.referral_ids, "cases": run.case_ids}


@dataclass
class _Run:
    """One run of the scenario: its steps, in order, and the ids each step leaves for the next."""

    suite: Suite
    log: Callable[[str], None]
    today: date
    assistants: list[str] = field(default_factory=list)
    referral_ids: dict[str, str] = field(default_factory=dict)
    case_ids: dict[str, str] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)

    def register_assistants(self) -> None:
        for person in ASSISTANTS:
            head = self.suite.head(person["district"])
            created = head.call("directory", "POST", "/assistants", json=person).json()
            self.assistants.append(created["assistant_id"])
        self.log(f"Zarejestrowano asystentów: {len(self.assistants)}")

    def take_referrals(self) -> None:
        for referral in REFERRALS:
            body = {
                k: referral[k]
                for k in ("district", "source", "sender_reference", "reason", "members")
            }
            worker = self.suite.social_worker(referral["district"])
            created = worker.call("referrals", "POST", "/referrals", json=body).json()
            self.referral_ids[str(referral["key"])] = created["referral_id"]
        self.log(f"Przyjęto zgłoszeń: {len(self.referral_ids)}")

    def interview(self) -> None:
        for referral in REFERRALS:
            if referral["source"] in ("school", "institution"):
                self.suite.social_worker(referral["district"]).call(
                    "referrals",
                    "POST",
                    f"/referrals/{self.referral_ids[str(referral['key'])]}/interview",
                    json={
                        "conducted_on": self.today.isoformat(),
                        "social_worker": "Anna Kaczmarek",
                        "summary": "Wywiad środowiskowy w miejscu zamieszkania rodziny.",
                    },
                )
        self.log("Pracownicy socjalni przeprowadzili wywiady środowiskowe.")

    def decide(self) -> None:
        for referral in REFERRALS:
            decision = {
                "decision": referral["decision"],
                "reason": referral.get("decline_reason", ""),
            }
            self.suite.head(referral["district"]).call(
                "referrals",
                "POST",
                f"/referrals/{self.referral_ids[str(referral['key'])]}/decision",
                json=decision,
            )
        self.log("Kierownicy podjęli decyzje.")

    def wait_for_cases(self) -> None:
        for referral in REFERRALS:
            if referral["decision"] != "granted":
                continue
            key = str(referral["key"])
            self.districts[key] = referral["district"]
            head = self.suite.head(referral["district"])

            def find_case(
                referral_id: str = self.referral_ids[key], head: Suite = head
            ) -> str | None:
                rows = head.call(
                    "casework", "GET", "/cases", params={"referral_id": referral_id}
                ).json()
                return rows[0]["case_id"] if rows else None

            self.case_ids[key] = wait_for(f"the case of {key}", find_case)
        self.log(f"Założono sprawy: {len(self.case_ids)}")

    def assign(self) -> None:
        for key, assistant_index in ASSIGNMENTS.items():
            head = self.suite.head(self.districts[key])

            def assign(
                case_id: str = self.case_ids[key],
                assistant_id: str = self.assistants[assistant_index],
                key: str = key,
                head: Suite = head,
            ) -> bool | None:
                response = head.client("casework").post(
                    f"/cases/{case_id}/assignment", json={"assistant_id": assistant_id}
                )
                if response.status_code == 404 and "asystenta" in response.text:
                    return None  # the directory's event has not reached casework yet
                if response.status_code >= 400:
                    raise ScenarioFailed(
                        f"assignment of {key}: {response.status_code} {response.text}"
                    )
                return True

            wait_for(f"assignment of {key}", assign)
        self.log(f"Przydzielono asystentów rodzinom: {len(ASSIGNMENTS)}")

    def assistant_of(self, key: str) -> Suite:
        return self.suite.assistant(self.districts[key], self.assistants[ASSIGNMENTS[key]])

    def sign_consents(self) -> None:
        for key in ASSIGNMENTS:
            referral = next(r for r in REFERRALS if r["key"] == key)
            if referral["source"] in ("court_order", "minor_parent"):
                continue  # obligatory: no consent needed
            signer = referral["members"][0]
            self.assistant_of(key).call(
                "casework",
                "POST",
                f"/cases/{self.case_ids[key]}/consent",
                json={
                    "given_on": self.today.isoformat(),
                    "signed_by": [f"{signer['first_name']} {signer['last_name']}"],
                },
            )
        self.log("Rodziny podpisały zgody na współpracę z asystentem.")

    def visit(self) -> None:
        for key, minutes, topics, present, note in _VISITS:
            self.assistant_of(key).call(
                "casework",
                "POST",
                f"/cases/{self.case_ids[key]}/visits",
                json={
                    "visited_on": self.today.isoformat(),
                    "duration_minutes": minutes,
                    "place": "home",
                    "present": present,
                    "topics": topics,
                    "note": note,
                },
            )
        self.log(f"Odnotowano wizyty: {len(_VISITS)}")

    def agree_plan(self) -> None:
        today = self.today
        self.assistant_of("nowak").call(
            "casework",
            "PUT",
            f"/cases/{self.case_ids['nowak']}/plan",
            json={
                "agreed_with_social_worker": "Anna Kaczmarek (pracownik socjalny)",
                "actions": [
                    {
                        "description": "Codzienna kontrola obecności Kacpra w szkole",
                        "deadline": (today + timedelta(days=30)).isoformat(),
                        "expected_effect": "Frekwencja powyżej 90% w kolejnym miesiącu",
                    },
                    {
                        "description": "Spotkanie z pedagogiem szkolnym",
                        "deadline": today.isoformat(),
                        "expected_effect": "Wspólny plan wsparcia ucznia",
                    },
                ],
            },
        )
        self.log("Uzgodniono plan pracy z rodziną Nowak.")


# The assistants' visits: (family, minutes, topics, who was present, note).
_VISITS: list[tuple[str, int, list[str], list[str], str]] = [
    (
        "nowak",
        90,
        ["school", "parenting"],
        ["Katarzyna Nowak", "Kacper"],
        "Rozmowa o frekwencji w szkole; ustalono codzienne sprawdzanie dziennika.",
    ),
    ("nowak", 60, ["budget"], ["Katarzyna Nowak"], "Trening budżetowy: plan wydatków."),
    (
        "wojcik",
        120,
        ["household", "official_matters"],
        ["Marek Wójcik", "Lena"],
        "Wspólne wypełnienie wniosku o dodatek mieszkaniowy.",
    ),
    (
        "kowalczyk",
        75,
        ["parenting", "health_hygiene"],
        ["Joanna Kowalczyk"],
        "Pierwsze spotkanie: omówienie postanowienia sądu i zasad współpracy.",
    ),
    (
        "sikora",
        90,
        ["budget", "job_search"],
        ["Monika Sikora"],
        "Plan spłaty zaległości czynszowych; rejestracja w urzędzie pracy.",
    ),
]


EXPECTED_ACTIVE = {OCHOTA: 2, MOKOTOW: 2, WOLA: 1}
EXPECTED_WAITING = {OCHOTA: 0, MOKOTOW: 0, WOLA: 1}


def caseload_reports(suite: Suite) -> dict[str, dict[str, Any]]:
    return {
        district: suite.head(district)
        .call("reporting", "GET", "/reports/caseload", params={"district": district})
        .json()
        for district in (OCHOTA, MOKOTOW, WOLA)
    }


def wait_for_reports(
    suite: Suite, *, baseline: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Wait until the caseload reports show the scenario (on top of `baseline`, the reports
    from before it ran, if the districts were not empty)."""
    reports: dict[str, dict[str, Any]] = {}
    empty: dict[str, Any] = {"active_families": 0, "waiting_list": []}
    for district in (OCHOTA, MOKOTOW, WOLA):
        before = (baseline or {}).get(district, empty)
        active = EXPECTED_ACTIVE[district] + before["active_families"]
        waiting = EXPECTED_WAITING[district] + len(before["waiting_list"])

        def ready(
            district: str = district, active: int = active, waiting: int = waiting
        ) -> dict[str, Any] | None:
            report = (
                suite.head(district)
                .call("reporting", "GET", "/reports/caseload", params={"district": district})
                .json()
            )
            done = report["active_families"] == active and len(report["waiting_list"]) == waiting
            return report if done else None

        reports[district] = wait_for(f"the caseload report of {district}", ready)
    return reports


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"Obciążenie asystentów: {report['district_name']} ({report['district']}), "
        f"stan na {report['as_of']}",
        f"  {'Asystent':<28}{'Rodziny':>8}{'Limit':>7}{'Wolne':>7}",
    ]
    for a in report["assistants"]:
        lines.append(
            f"  {a['name']:<28}{a['active_families']:>8}{a['limit']:>7}{a['free_places']:>7}"
        )
    lines.append(f"  Razem rodzin pod opieką: {report['active_families']}")
    waiting = report["waiting_list"]
    lines.append(f"  Lista oczekujących: {len(waiting)}")
    for w in waiting:
        lines.append(
            f"    sprawa {w['case_id']}: czeka od {w['waiting_since']} "
            f"({w['days_waiting']} dni), dzieci: {w['children']}"
        )
    return "\n".join(lines)


def format_city(report: dict[str, Any]) -> str:
    """The city view's districts that have families, and the totals."""
    lines = [
        f"Widok miasta (bez danych osobowych), stan na {report['as_of']}",
        f"  {'Dzielnica':<16}{'Asyst.':>7}{'Rodziny':>9}{'Czekają':>9}{'Monitor.':>10}",
    ]
    rows = [r for r in report["districts"] if r["active_families"] or r["waiting_families"]]
    for r in [*rows, {**report["totals"], "district_name": "Razem"}]:
        lines.append(
            f"  {r['district_name']:<16}{r['assistants']:>7}{r['active_families']:>9}"
            f"{r['waiting_families']:>9}{r['families_in_monitoring']:>10}"
        )
    return "\n".join(lines)


def assign_with_consent(
    head: Suite, case_id: str, assistant_id: str, given_on: date, signed_by: str, *, timeout: float
) -> None:
    """The head assigns the assistant (once casework has heard of them) and records the
    family's consent: the step every prepared working case goes through."""

    def assigned() -> bool | None:
        response = head.client("casework").post(
            f"/cases/{case_id}/assignment", json={"assistant_id": assistant_id}
        )
        if response.status_code == 404:  # casework has not heard of the assistant yet
            return None
        if response.status_code != 200:
            raise RuntimeError(f"assignment: {response.status_code} {response.text}")
        return True

    wait_for("the assignment", assigned, timeout=timeout)
    head.call(
        "casework",
        "POST",
        f"/cases/{case_id}/consent",
        json={"given_on": given_on.isoformat(), "signed_by": [signed_by]},
    )
