"""Every route into assistance, through HTTP and Redis: referrals from every source, the
interview a school's notification needs, obligatory routes, duplicates, and the notifications
schools and courts send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.clock import poland_today
from shared.web.auth import Role
from suite.scenario import Suite, wait_for
from tests.e2e.conftest import RunningSuite
from tests.e2e.flows import (
    assign,
    case_file,
    case_of,
    consent,
    family,
    grant,
    interview,
    open_case,
    refer,
    register_assistant,
)

pytestmark = pytest.mark.e2e

OCHOTA, WOLA, MOKOTOW = "1465068", "1465188", "1465058"
PROBLEM = "https://asysta.pl/problems/"
SCHOOL_REGON = "123456785"


@pytest.mark.parametrize("source", ["social_worker", "family", "za_zyciem"])
def test_a_voluntary_route_is_granted_and_work_waits_for_consent(
    running_suite: RunningSuite, source: str
) -> None:
    suite = running_suite.client()
    assistant = register_assistant(suite, OCHOTA)
    referral = refer(suite, OCHOTA, source, family())
    assert referral["status"] == "awaiting_decision"
    assert not referral["obligatory"]
    grant(suite, OCHOTA, referral["referral_id"])
    case_id = case_of(suite, OCHOTA, referral["referral_id"])
    assert assign(suite, OCHOTA, case_id, assistant)["status"] == "active"
    case = case_file(suite, OCHOTA, case_id)
    assert (case["status"], case["work_started_on"]) == ("active", None)
    refused = (
        suite.assistant(OCHOTA, assistant)
        .client("casework")
        .post(
            f"/cases/{case_id}/visits",
            json={
                "visited_on": poland_today().isoformat(),
                "duration_minutes": 60,
                "topics": ["budget"],
            },
        )
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == PROBLEM + "work-not-started"
    started = consent(suite, OCHOTA, case_id)
    assert started["events"] == ["FamilyConsentRecorded", "WorkStarted"]
    assert case_file(suite, OCHOTA, case_id)["work_started_on"] == poland_today().isoformat()


@pytest.mark.parametrize("source", ["school", "institution"])
def test_a_notification_needs_the_family_interview_before_the_decision(
    running_suite: RunningSuite, source: str
) -> None:
    suite = running_suite.client()
    referral = refer(suite, OCHOTA, source, family())
    assert referral["status"] == "awaiting_interview"
    early = (
        suite.head(OCHOTA)
        .client("referrals")
        .post(f"/referrals/{referral['referral_id']}/decision", json={"decision": "granted"})
    )
    assert early.status_code == 409
    assert early.json()["type"] == PROBLEM + "interview-required"
    interviewed = interview(suite, OCHOTA, referral["referral_id"])
    assert interviewed["status"] == "awaiting_decision"
    assert interviewed["events"] == ["FamilyInterviewRecorded"]
    shown = (
        suite.head(OCHOTA).call("referrals", "GET", f"/referrals/{referral['referral_id']}").json()
    )
    assert shown["interview"]["social_worker"] == "Anna Kaczmarek"
    assert grant(suite, OCHOTA, referral["referral_id"])["status"] == "granted"
    case_of(suite, OCHOTA, referral["referral_id"])


@pytest.mark.parametrize("source", ["court_order", "minor_parent"])
def test_an_obligatory_route_cannot_be_declined_and_needs_no_consent(
    running_suite: RunningSuite, source: str
) -> None:
    suite = running_suite.client()
    assistant = register_assistant(suite, MOKOTOW)
    referral = refer(suite, MOKOTOW, source, family())
    assert referral["obligatory"]
    declined = (
        suite.head(MOKOTOW)
        .client("referrals")
        .post(
            f"/referrals/{referral['referral_id']}/decision",
            json={"decision": "declined", "reason": "Brak miejsc"},
        )
    )
    assert declined.status_code == 409
    assert declined.json()["type"] == PROBLEM + "obligatory-referral-cannot-be-declined"
    grant(suite, MOKOTOW, referral["referral_id"])
    case_id = case_of(suite, MOKOTOW, referral["referral_id"])
    assign(suite, MOKOTOW, case_id, assistant)
    case = case_file(suite, MOKOTOW, case_id)
    assert case["obligatory"]
    assert case["work_started_on"] == poland_today().isoformat()


def test_a_declined_referral_keeps_its_reason(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    referral = refer(suite, WOLA, "family", family())
    declined = (
        suite.head(WOLA)
        .call(
            "referrals",
            "POST",
            f"/referrals/{referral['referral_id']}/decision",
            json={"decision": "declined", "reason": "Rodzina w innym programie"},
        )
        .json()
    )
    assert declined["status"] == "declined"
    shown = (
        suite.head(WOLA).call("referrals", "GET", f"/referrals/{referral['referral_id']}").json()
    )
    assert (shown["status"], shown["version"]) == ("declined", declined["version"])
    assert shown["decision"]["reason"] == "Rodzina w innym programie"


def test_a_family_referred_twice_is_linked_not_opened_twice(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    members = family(children=2)
    first = refer(suite, OCHOTA, "social_worker", members)
    # The same family reported by a school in another district, one child only.
    second = refer(suite, WOLA, "school", [members[1]])
    assert second["status"] == "linked"
    assert second["linked_to_referral_id"] == first["referral_id"]
    assert second["family_id"] == first["family_id"]
    first_now = (
        suite.head(OCHOTA).call("referrals", "GET", f"/referrals/{first['referral_id']}").json()
    )
    assert [r["referral_id"] for r in first_now["linked_referrals"]] == [second["referral_id"]]
    open_now = (
        suite.head(WOLA)
        .call(
            "referrals",
            "GET",
            "/referrals",
            params={"district": WOLA, "status": "awaiting_interview"},
        )
        .json()
    )
    assert second["referral_id"] not in {r["referral_id"] for r in open_now}

    grant(suite, OCHOTA, first["referral_id"])
    case_id = case_of(suite, OCHOTA, first["referral_id"])

    def linked_to_case() -> dict[str, Any] | None:
        third = refer(suite, MOKOTOW, "family", [members[2]])
        if third["linked_to_case_id"] is None:
            return None  # casework's CaseOpened has not reached referrals yet
        return third

    third = wait_for("a referral linked to the active case", linked_to_case)
    assert third["linked_to_case_id"] == case_id

    def on_case() -> list[Any] | None:
        return case_file(suite, OCHOTA, case_id)["further_referrals"] or None

    (further,) = wait_for("the case to show the further referral", on_case)
    assert further["referral_id"] == third["referral_id"]


def school(suite: Suite) -> Suite:
    return suite.as_(Role.SCHOOL, OCHOTA, subject=SCHOOL_REGON)


def school_notification(members: list[dict[str, Any]], reference: str) -> dict[str, Any]:
    return {
        "school": {"regon": SCHOOL_REGON, "name": "Szkoła Podstawowa nr 12"},
        "reference": reference,
        "district": OCHOTA,
        "pupil": members[1],
        "parents": [members[0]],
        "problem": "school_duty_absence",
        "description": "Uczeń opuścił 60% zajęć w październiku.",
    }


def test_a_school_notification_sent_twice_has_one_effect(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    sender = school(suite).client("referrals")
    body = school_notification(family(), "SP12/2026/77")
    first = sender.post("/notifications/school", json=body)
    again = sender.post("/notifications/school", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["status"] == "awaiting_interview"
    referrals = (
        suite.head(OCHOTA)
        .call("referrals", "GET", "/referrals", params={"district": OCHOTA})
        .json()
    )
    assert [r["sender_reference"] for r in referrals].count(f"{SCHOOL_REGON}/SP12/2026/77") == 1
    status = sender.get(f"/notifications/{first.json()['notification_id']}").json()
    assert status["referral_id"] == first.json()["referral_id"]
    other_school = suite.as_(Role.SCHOOL, OCHOTA, subject="987654321").client("referrals")
    assert other_school.get(f"/notifications/{first.json()['notification_id']}").status_code == 404
    changed = sender.post("/notifications/school", json={**body, "description": "inna treść"})
    assert changed.status_code == 409
    assert changed.json()["type"] == PROBLEM + "notification-reference-reused"
    bad = sender.post(
        "/notifications/school",
        json={**body, "reference": "x", "school": {"regon": "123456784", "name": "S"}},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["type"] == "invalid_regon"


def court(suite: Suite) -> Suite:
    return suite.as_(Role.COURT, "*", subject="SR-Warszawa-Mokotow")


def court_notification(
    kind: str, members: list[dict[str, Any]], signature: str, **extra: object
) -> dict[str, Any]:
    return {
        "court": {"name": "Sąd Rejonowy dla Warszawy-Mokotowa, III Wydział Rodzinny i Nieletnich"},
        "case_signature": signature,
        "kind": kind,
        "district": MOKOTOW,
        "members": members,
        **extra,
    }


def test_a_court_order_arrives_as_an_obligatory_referral(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    body = court_notification("obligation_to_cooperate", family(), "III Nsm 500/26")
    answer = court(suite).call("referrals", "POST", "/notifications/court", json=body).json()
    again = court(suite).call("referrals", "POST", "/notifications/court", json=body).json()
    assert answer == again
    referral = (
        suite.head(MOKOTOW).call("referrals", "GET", f"/referrals/{answer['referral_id']}").json()
    )
    assert (referral["source"], referral["obligatory"]) == ("court_order", True)
    assert referral["sender_reference"] == "III Nsm 500/26"


def test_a_courts_opinion_request_goes_to_the_familys_case_with_its_deadline(
    running_suite: RunningSuite,
) -> None:
    suite = running_suite.client()
    assistant = register_assistant(suite, MOKOTOW)
    members = family()
    case_id = open_case(suite, MOKOTOW, members=members)
    assign(suite, MOKOTOW, case_id, assistant)
    consent(suite, MOKOTOW, case_id)
    deadline = poland_today() + timedelta(days=21)
    body = court_notification(
        "opinion_request", [members[0]], "III Nsm 612/26", deadline=deadline.isoformat()
    )

    def forwarded() -> dict[str, Any] | None:
        response = court(suite).client("referrals").post("/notifications/court", json=body)
        if response.status_code == 409:
            return None  # CaseOpened not yet known to referrals
        assert response.status_code == 201, response.text
        return dict(response.json())

    answer = wait_for("the opinion request to find the case", forwarded)
    assert (answer["status"], answer["case_id"]) == ("forwarded_to_case", case_id)

    def on_case() -> list[Any] | None:
        return case_file(suite, MOKOTOW, case_id)["court_opinions"] or None

    (request,) = wait_for("the court request on the case", on_case)
    assert request["deadline"] == deadline.isoformat()
    assert request["case_signature"] == "III Nsm 612/26"
    head = suite.head(MOKOTOW)
    due = head.call("casework", "GET", "/court-opinions", params={"district": MOKOTOW}).json()
    assert request["request_id"] in {d["request_id"] for d in due}
    submitted = (
        suite.assistant(MOKOTOW, assistant)
        .call(
            "casework",
            "POST",
            f"/cases/{case_id}/court-opinions/{request['request_id']}/submission",
            json={"submitted_on": poland_today().isoformat(), "summary": "Rodzina współpracuje."},
        )
        .json()
    )
    assert submitted["events"] == ["CourtOpinionSubmitted"]
    opinions = case_file(suite, MOKOTOW, case_id)["court_opinions"]
    assert opinions[0]["submitted_on"] == poland_today().isoformat()
    due = head.call("casework", "GET", "/court-opinions", params={"district": MOKOTOW}).json()
    assert request["request_id"] not in {d["request_id"] for d in due}

    unknown = court_notification(
        "opinion_request", family(), "III Nsm 613/26", deadline=deadline.isoformat()
    )
    refused = court(suite).client("referrals").post("/notifications/court", json=unknown)
    assert refused.status_code == 409
    assert refused.json()["type"] == PROBLEM + "no-active-case-for-opinion"
