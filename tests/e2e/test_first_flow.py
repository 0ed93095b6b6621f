"""A school's referral through all four services, as separate processes, on PostgreSQL and
Redis: referral, decision, case opened from the event, assignment, visit, plan; then the
caseload report shows it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date

import pytest

from shared.domain.clock import poland_today
from suite.demo_data import pesel
from suite.scenario import caseload_reports, run_scenario, wait_for, wait_for_reports
from tests.e2e.conftest import RunningSuite

pytestmark = pytest.mark.e2e

OCHOTA = "1465068"


def test_the_suite_runs_as_separate_processes_on_postgresql(running_suite: RunningSuite) -> None:
    env = running_suite.processes.env
    for service in ("referrals", "casework", "directory", "reporting"):
        assert env[f"{service.upper()}_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert sorted(running_suite.processes.processes) == [
        "casework",
        "casework-worker-0",
        "directory",
        "referrals",
        "reporting",
        "reporting-worker-0",
        "reporting-worker-1",
    ]


def test_a_school_referral_flows_to_the_caseload_report(running_suite: RunningSuite) -> None:
    city = running_suite.client()
    head, worker = city.head(OCHOTA), city.social_worker(OCHOTA)
    correlation_id = f"e2e-{uuid.uuid4()}"
    assistant = head.call(
        "directory",
        "POST",
        "/assistants",
        json={
            "first_name": "Agnieszka",
            "last_name": "Wiśniewska",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    ).json()
    referral = worker.call(
        "referrals",
        "POST",
        "/referrals",
        json={
            "district": OCHOTA,
            "source": "school",
            "sender_reference": "SP-12/2026/031",
            "reason": "Nieobecności ucznia, obowiązek szkolny.",
            "members": [
                {
                    "role": "parent",
                    "first_name": "Katarzyna",
                    "last_name": "Nowak",
                    "pesel": pesel(date(1988, 6, 14), 501, female=True),
                },
                {
                    "role": "child",
                    "first_name": "Kacper",
                    "last_name": "Nowak",
                    "pesel": pesel(date(2014, 3, 9), 502, female=False),
                },
            ],
        },
    ).json()
    assert referral["status"] == "awaiting_interview"
    worker.call(
        "referrals",
        "POST",
        f"/referrals/{referral['referral_id']}/interview",
        json={"conducted_on": poland_today().isoformat(), "social_worker": "Anna Kaczmarek"},
    )
    decided = head.call(
        "referrals",
        "POST",
        f"/referrals/{referral['referral_id']}/decision",
        json={"decision": "granted"},
        headers={"X-Correlation-ID": correlation_id},
    ).json()
    assert decided["status"] == "granted"

    def case_opened() -> str | None:
        rows = head.call(
            "casework", "GET", "/cases", params={"referral_id": referral["referral_id"]}
        ).json()
        return rows[0]["case_id"] if rows else None

    case_id = wait_for("the case to open from AssistanceGranted", case_opened)

    def waiting_in_report() -> bool:
        report = head.call(
            "reporting", "GET", "/reports/caseload", params={"district": OCHOTA}
        ).json()
        return [w["case_id"] for w in report["waiting_list"]] == [case_id]

    wait_for("the family on the waiting list", waiting_in_report)

    def assigned() -> dict | None:
        response = head.client("casework").post(
            f"/cases/{case_id}/assignment", json={"assistant_id": assistant["assistant_id"]}
        )
        if response.status_code == 404:
            return None  # AssistantRegistered not yet applied by casework
        assert response.status_code == 200, response.text
        return response.json()

    answer = wait_for("the assignment", assigned)
    assert (answer["case_id"], answer["status"]) == (case_id, "active")
    case = head.call("casework", "GET", f"/cases/{case_id}").json()
    assert case["assistant_id"] == assistant["assistant_id"]
    assert case["version"] == answer["version"]
    assistant_user = city.assistant(OCHOTA, assistant["assistant_id"])
    assistant_user.call(
        "casework",
        "POST",
        f"/cases/{case_id}/consent",
        json={"given_on": poland_today().isoformat(), "signed_by": ["Katarzyna Nowak"]},
    )
    case = assistant_user.call("casework", "GET", f"/cases/{case_id}").json()
    assert case["work_started_on"] == poland_today().isoformat()

    assistant_user.call(
        "casework",
        "POST",
        f"/cases/{case_id}/visits",
        json={
            "visited_on": poland_today().isoformat(),
            "duration_minutes": 90,
            "place": "home",
            "present": ["Katarzyna"],
            "topics": ["school", "parenting"],
            "note": "Pierwsza wizyta.",
        },
    )
    plan = {
        "agreed_with_social_worker": "Anna Kaczmarek",
        "actions": [
            {
                "description": "Kontrola obecności w szkole",
                "deadline": "2027-01-31",
                "expected_effect": "Frekwencja powyżej 90%",
            }
        ],
    }
    assistant_user.call("casework", "PUT", f"/cases/{case_id}/plan", json=plan)
    plan["actions"][0]["expected_effect"] = "Frekwencja powyżej 95%"
    assistant_user.call("casework", "PUT", f"/cases/{case_id}/plan", json=plan)
    case = assistant_user.call("casework", "GET", f"/cases/{case_id}").json()
    assert [p["plan_version"] for p in case["plan_history"]] == [1, 2]
    assert case["plan_history"][0]["actions"][0]["expected_effect"] == "Frekwencja powyżej 90%"
    assert len(case["visits"]) == 1

    def report_shows_the_family() -> dict | None:
        report = head.call(
            "reporting", "GET", "/reports/caseload", params={"district": OCHOTA}
        ).json()
        (row,) = report["assistants"]
        return report if row["active_families"] == 1 and not report["waiting_list"] else None

    report = wait_for("the caseload report to show the family", report_shows_the_family)
    assert report["assistants"][0] == {
        "assistant_id": assistant["assistant_id"],
        "name": "Agnieszka Wiśniewska",
        "employment_form": "employment_contract",
        "active_families": 1,
        "limit": 15,
        "free_places": 14,
        "working": True,
    }

    # The correlation id of the decision travelled through the events into the consumers' logs.
    logs = running_suite.log_text()
    opened = [line for line in logs.splitlines() if '"case.opened"' in line]
    assert any(correlation_id in line for line in opened)
    assert "Nowak" not in logs
    assert pesel(date(1988, 6, 14), 501, female=True) not in logs  # the mother's


def test_rebuilding_the_projections_from_the_feeds_gives_the_live_reports(
    running_suite: RunningSuite,
) -> None:
    """`python -m services.reporting rebuild` reads the services' event feeds over HTTP (never
    their tables), empties the projections and applies everything again."""
    suite = running_suite.client()
    districts = ("1465068", "1465058", "1465188")
    baseline = caseload_reports(suite)
    run_scenario(suite, log=lambda _line: None)
    live = wait_for_reports(suite, baseline=baseline)
    result = subprocess.run(
        [sys.executable, "-m", "services.reporting", "rebuild"],
        env=running_suite.processes.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Odbudowa projekcji [" in result.stderr  # the progress bar
    assert "100.0%" in result.stderr
    rebuilt = {
        d: suite.head(d)
        .call("reporting", "GET", "/reports/caseload", params={"district": d})
        .json()
        for d in districts
    }
    assert rebuilt == live
