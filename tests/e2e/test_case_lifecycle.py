"""The whole life of a case through HTTP and Redis: assignment and reassignment under the
limit, the waiting list, plan revisions, visits, assessments, court opinions entered by hand,
closure, monitoring, reopening and transfer; then time passes (the casework processes restart
with their clock moved on) and deadlines fall due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.clock import poland_today
from suite.scenario import wait_for
from tests.e2e.conftest import RunningSuite
from tests.e2e.flows import assign, case_file, open_case, register_assistant, working_case

pytestmark = pytest.mark.e2e

OCHOTA, WOLA, BEMOWO = "1465068", "1465188", "1465028"
PROBLEM = "https://asysta.pl/problems/"
TODAY = poland_today()


def test_the_waiting_list_shows_how_long_families_wait(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    case_id = open_case(suite, BEMOWO)
    waiting = (
        suite.head(BEMOWO)
        .call("casework", "GET", "/waiting-list", params={"district": BEMOWO})
        .json()
    )
    (row,) = [w for w in waiting if w["case_id"] == case_id]
    assert (row["status"], row["days_waiting"]) == ("waiting", 0)


def test_reassignment_keeps_the_history_and_moves_the_caseload(
    running_suite: RunningSuite,
) -> None:
    suite = running_suite.client()
    first, second = register_assistant(suite, OCHOTA, "Jan"), register_assistant(suite, OCHOTA)
    case_id = working_case(suite, OCHOTA, first)
    assign(suite, OCHOTA, case_id, second)
    case = case_file(suite, OCHOTA, case_id)
    assert [(a["assistant_id"], a["previous_assistant_id"]) for a in case["assignments"]] == [
        (first, None),
        (second, first),
    ]
    capacity = {
        c["assistant_id"]: c
        for c in suite.head(OCHOTA)
        .call("casework", "GET", "/assistants/capacity", params={"district": OCHOTA})
        .json()
    }
    assert capacity[first]["active_families"] == 0
    assert capacity[second]["active_families"] == 1
    assert capacity[second]["free_places"] == 14


def test_an_assistant_of_another_district_is_refused(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    other = register_assistant(suite, WOLA)
    case_id = open_case(suite, OCHOTA)
    head = suite.head(OCHOTA)

    def refused() -> dict[str, Any] | None:
        response = head.client("casework").post(
            f"/cases/{case_id}/assignment", json={"assistant_id": other}
        )
        return None if response.status_code == 404 else dict(response.json())

    problem = wait_for("the refusal", refused)
    assert problem["type"] == PROBLEM + "assistant-of-another-district"


def test_plan_visits_and_assessment_of_a_working_case(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    assistant_id = register_assistant(suite, OCHOTA)
    case_id = working_case(suite, OCHOTA, assistant_id)
    assistant = suite.assistant(OCHOTA, assistant_id)
    plan: dict[str, Any] = {
        "agreed_with_social_worker": "Anna Kaczmarek",
        "foster_care_coordinator": "Piotr Nowicki",
        "foster_care_plan_reference": "PCPR/PPD/44/2026",
        "actions": [
            {
                "description": "Trening budżetowy",
                "deadline": "2027-02-01",
                "expected_effect": "Brak zaległości czynszowych",
            }
        ],
    }
    assistant.call("casework", "PUT", f"/cases/{case_id}/plan", json=plan)
    plan["actions"].append(
        {
            "description": "Kontakt z pedagogiem",
            "deadline": "2027-01-15",
            "expected_effect": "Frekwencja > 90%",
        }
    )
    revised = assistant.call("casework", "PUT", f"/cases/{case_id}/plan", json=plan).json()
    assert revised["events"] == ["PlanUpdated"]
    case = assistant.call("casework", "GET", f"/cases/{case_id}").json()
    assert case["version"] == revised["version"]
    assert [len(p["actions"]) for p in case["plan_history"]] == [1, 2]
    assert case["plan"]["foster_care_plan_reference"] == "PCPR/PPD/44/2026"

    visit = {
        "visited_on": TODAY.isoformat(),
        "duration_minutes": 90,
        "place": "home",
        "present": ["Anna", "Dziecko0"],
        "topics": ["budget", "leisure"],
        "note": "…",
    }
    logged = assistant.call("casework", "POST", f"/cases/{case_id}/visits", json=visit).json()
    assert (logged["events"], logged["version"]) == (["VisitLogged"], revised["version"] + 1)
    case = assistant.call("casework", "GET", f"/cases/{case_id}").json()
    assert case["visits"][0]["visit_id"] == logged["visit_id"]
    assert case["visits"][0]["topics"] == ["budget", "leisure"]
    # A day in the future is refused at the edge (the request's PastDate); a day before the
    # case began by the case's rule.
    for day, problem in (
        (TODAY + timedelta(days=1), "invalid-request"),
        (TODAY - timedelta(days=400), "date-out-of-range"),
    ):
        response = assistant.client("casework").post(
            f"/cases/{case_id}/visits", json={**visit, "visited_on": day.isoformat()}
        )
        assert response.status_code == 422
        assert response.json()["type"] == PROBLEM + problem

    assert case["next_assessment_due"] is not None
    assistant.call(
        "casework",
        "POST",
        f"/cases/{case_id}/assessments",
        json={"assessed_on": TODAY.isoformat(), "summary": "Rodzina realizuje plan."},
    )
    case = assistant.call("casework", "GET", f"/cases/{case_id}").json()
    assert case["assessments"][0]["submitted_to_head_on"] == TODAY.isoformat()


def test_closure_monitoring_and_reopening(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    assistant_id = register_assistant(suite, OCHOTA)
    case_id = working_case(suite, OCHOTA, assistant_id)
    head = suite.head(OCHOTA)
    closed = head.call(
        "casework",
        "POST",
        f"/cases/{case_id}/closure",
        json={"reason": "goals_achieved", "note": "Rodzina samodzielna."},
    ).json()
    assert closed["status"] == "monitoring"
    assert closed["events"] == ["CaseClosed", "CaseRemovedFromCaseload"]
    case = case_file(suite, OCHOTA, case_id)
    assert case["status"] == "monitoring"
    assert case["monitoring_until"] is not None
    capacity = {
        c["assistant_id"]: c
        for c in head.call(
            "casework", "GET", "/assistants/capacity", params={"district": OCHOTA}
        ).json()
    }
    assert capacity[assistant_id]["active_families"] == 0
    # The assistant who monitors the family reopens the case and takes the family back.
    reopened = (
        suite.assistant(OCHOTA, assistant_id)
        .call(
            "casework", "POST", f"/cases/{case_id}/reopening", json={"reason": "Ponowne trudności."}
        )
        .json()
    )
    assert reopened["status"] == "active"
    case = case_file(suite, OCHOTA, case_id)
    assert (case["status"], case["assistant_id"]) == ("active", assistant_id)
    assert case["work_started_on"] == TODAY.isoformat()


def test_a_transfer_goes_to_the_new_centre_which_decides(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    case_id = working_case(suite, OCHOTA, register_assistant(suite, OCHOTA))
    moved = (
        suite.head(OCHOTA)
        .call("casework", "POST", f"/cases/{case_id}/transfer", json={"to_district": WOLA})
        .json()
    )
    assert moved["status"] == "transfer_pending"
    case = case_file(suite, WOLA, case_id)
    assert (case["status"], case["district"], case["districts"]) == (
        "transfer_pending",
        WOLA,
        [OCHOTA, WOLA],
    )
    case = (
        suite.head(WOLA)
        .call(
            "casework", "POST", f"/cases/{case_id}/transfer/decision", json={"decision": "accepted"}
        )
        .json()
    )
    assert case["status"] == "waiting"
    assign(suite, WOLA, case_id, register_assistant(suite, WOLA))
    case = case_file(suite, WOLA, case_id)
    assert case["status"] == "active"
    assert case["work_started_on"] == TODAY.isoformat()  # the consent travelled with the case
    assert len(case["assignments"]) == 2
    # The centre the family left reads what happened under it, and nothing after.
    old = case_file(suite, OCHOTA, case_id)
    assert len(old["assignments"]) == 1
    assert old["consent"] is not None
    assert old["transfers"] == []


def test_when_time_passes_deadlines_fall_due_and_monitoring_ends(
    running_suite: RunningSuite,
) -> None:
    suite = running_suite.client()
    head = suite.head(WOLA)
    assistant_id = register_assistant(suite, WOLA)
    assessed_late = working_case(suite, WOLA, assistant_id)
    awaiting_opinion = working_case(suite, WOLA, assistant_id)
    deadline = TODAY + timedelta(days=30)
    requested = head.call(
        "casework",
        "POST",
        f"/cases/{awaiting_opinion}/court-opinions",
        json={
            "court_name": "Sąd Rejonowy dla Warszawy Woli",
            "case_signature": "VI Nsm 77/26",
            "requested_on": TODAY.isoformat(),
            "deadline": deadline.isoformat(),
        },
    ).json()
    request_id = requested["request_id"]
    case = case_file(suite, WOLA, awaiting_opinion)
    assert [o["request_id"] for o in case["court_opinions"]] == [request_id]
    monitored = working_case(suite, WOLA, assistant_id)
    head.call(
        "casework",
        "POST",
        f"/cases/{monitored}/closure",
        json={"reason": "goals_achieved", "monitoring_months": 3},
    )
    assert (
        head.call("casework", "GET", "/assessments/overdue", params={"district": WOLA}).json() == []
    )

    processes = running_suite.processes
    shifted = {"ASYSTA_CLOCK_SHIFT_DAYS": "200"}
    processes.restart("casework", shifted)
    processes.restart("casework-worker-0", shifted)

    overdue = head.call("casework", "GET", "/assessments/overdue", params={"district": WOLA}).json()
    assert {o["case_id"] for o in overdue} >= {assessed_late, awaiting_opinion}
    assert all(o["days_overdue"] > 0 for o in overdue)
    late = head.call(
        "casework", "GET", "/court-opinions", params={"district": WOLA, "overdue": True}
    ).json()
    assert [o["request_id"] for o in late] == [request_id]

    def monitoring_over() -> dict[str, Any] | None:
        case = case_file(suite, WOLA, monitored)
        return case if case["status"] == "closed" else None

    wait_for("the worker to end the monitoring period", monitoring_over)
    refused = head.client("casework").post(f"/cases/{monitored}/reopening", json={"reason": "x"})
    assert refused.status_code == 409
    assert refused.json()["type"] == PROBLEM + "wrong-case-status"


def test_errors_in_english_on_request(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    case_id = open_case(suite, BEMOWO)
    response = (
        suite.head(BEMOWO)
        .client("casework")
        .post(
            f"/cases/{case_id}/closure",
            json={"reason": "no_such_reason"},
            headers={"Accept-Language": "en"},
        )
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid request"
    refused = (
        suite.head(BEMOWO)
        .client("casework")
        .post(
            f"/cases/{case_id}/reopening", json={"reason": "x"}, headers={"Accept-Language": "en"}
        )
    )
    assert refused.status_code == 409
    assert refused.json()["title"] == "Not allowed in the case's current state"
    assert "reopening is only possible" in refused.json()["detail"]


def test_an_assistant_who_stopped_working_gets_no_new_family(running_suite: RunningSuite) -> None:
    suite = running_suite.client()
    assistant_id = register_assistant(suite, BEMOWO)
    working_case(suite, BEMOWO, assistant_id)
    head = suite.head(BEMOWO)
    head.call(
        "directory",
        "POST",
        f"/assistants/{assistant_id}/deactivation",
        json={"ended_on": TODAY.isoformat(), "reason": "resigned"},
    )

    def not_working() -> bool:
        rows = head.call(
            "casework", "GET", "/assistants/capacity", params={"district": BEMOWO}
        ).json()
        return any(r["assistant_id"] == assistant_id and not r["working"] for r in rows)

    wait_for("casework to learn the assistant stopped working", not_working)
    refused = head.client("casework").post(
        f"/cases/{open_case(suite, BEMOWO)}/assignment", json={"assistant_id": assistant_id}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == PROBLEM + "assistant-not-working"
