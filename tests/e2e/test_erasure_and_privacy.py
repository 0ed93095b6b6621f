"""Erasure without rewriting history, the retention list, and logs without personal data:
the whole suite as processes on PostgreSQL and Redis."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from shared.web.auth import Role
from suite.demo_data import ASSISTANTS, OCHOTA, REFERRALS
from suite.scenario import Suite, caseload_reports, run_scenario, wait_for, wait_for_reports
from tests.e2e.conftest import RunningSuite

pytestmark = pytest.mark.e2e

ERASED = "[usunięto]"


def feed(suite: Suite, service: str) -> list[dict[str, Any]]:
    service_user = suite.as_(Role.SERVICE, "*", subject="reporting")
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = service_user.call(
            service, "GET", "/events", params={"after": after, "limit": 500}
        ).json()
        if not page["events"]:
            return events
        events += page["events"]
        after = page["next_after"]


def test_erasing_a_family_hides_its_data_everywhere_and_keeps_every_count(
    running_suite: RunningSuite,
) -> None:
    suite = running_suite.client()
    head = suite.head(OCHOTA)
    created = run_scenario(suite, log=lambda _line: None)
    wait_for_reports(suite)
    # The Wójcik family's work ends, so that a retention period can pass for it.
    wojcik_case = created["cases"]["wojcik"]
    head.call(
        "casework",
        "POST",
        f"/cases/{wojcik_case}/closure",
        json={"reason": "goals_achieved", "monitoring_months": 0},
    )

    def closure_counted() -> dict[str, Any] | None:
        reports = caseload_reports(suite)
        return reports if reports[OCHOTA]["active_families"] == 1 else None

    before = wait_for("the closure in the reports", closure_counted)

    nowak = next(r for r in REFERRALS if r["key"] == "nowak")
    referral = head.call("referrals", "GET", f"/referrals/{created['referrals']['nowak']}").json()
    family_id = referral["family_id"]
    pesels = [m["pesel"] for m in nowak["members"]]
    assert [m["pesel"] for m in referral["members"]] == pesels

    admin = suite.as_(Role.ADMIN, "*", subject="administrator")
    admin.call(
        "referrals",
        "POST",
        f"/families/{family_id}/erasure",
        json={"reason": "upływ okresu przechowywania"},
    )

    erased = head.call("referrals", "GET", f"/referrals/{created['referrals']['nowak']}").json()
    assert {m["first_name"] for m in erased["members"]} == {ERASED}
    assert {m["pesel"] for m in erased["members"]} == {None}
    assert erased["reason"] == ERASED
    assert erased["status"] == "granted"  # what happened stays
    assert erased["members"][1]["role"] == "child"

    case_id = created["cases"]["nowak"]

    def case_erased() -> dict[str, Any] | None:
        case = head.call("casework", "GET", f"/cases/{case_id}").json()
        return case if case["members"][0]["last_name"] == ERASED else None

    case = wait_for("casework to destroy its key of the family", case_erased)
    assert {v["note"] for v in case["visits"]} == {ERASED}
    assert {p for v in case["visits"] for p in v["present"]} == {ERASED}
    assert case["consent"]["signed_by"] == [ERASED]
    assert case["plan"]["actions"][0]["description"] == ERASED
    assert case["plan"]["actions"][0]["deadline"]  # not personal: kept
    assert len(case["visits"]) == 2 and case["plan"]["plan_version"] == 1

    # The event feeds (what any rebuild reads) carry none of it either.
    everything = json.dumps([feed(suite, s) for s in ("referrals", "casework")], ensure_ascii=False)
    for pesel in pesels:
        assert pesel not in everything
    assert "Katarzyna" not in everything and "Kacper" not in everything

    # Every count in every report is the same, live and rebuilt.
    assert caseload_reports(suite) == before
    rebuilt = subprocess.run(
        [sys.executable, "-m", "services.reporting", "rebuild"],
        env=running_suite.processes.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert caseload_reports(suite) == before

    # Other families keep their data.
    other = head.call("referrals", "GET", f"/referrals/{created['referrals']['wojcik']}").json()
    assert other["members"][0]["last_name"] == "Wójcik"

    # Audit: the erasure and the reads of the family are on record.
    audit = admin.call("referrals", "GET", "/audit", params={"family_id": family_id}).json()
    assert {"family.erase", "referral.read"} <= {a["action"] for a in audit}
    assert any(a["subject"] == "administrator" for a in audit)


def test_the_retention_list_shows_families_whose_work_ended_long_ago(
    running_suite: RunningSuite,
) -> None:
    suite = running_suite.client()
    admin = suite.as_(Role.ADMIN, "*", subject="administrator")
    assert admin.call("casework", "GET", "/retention").json() == []
    running_suite.processes.restart("casework", {"ASYSTA_CLOCK_SHIFT_DAYS": str(11 * 366)})
    due = admin.call("casework", "GET", "/retention").json()
    wojcik = next(r for r in REFERRALS if r["key"] == "wojcik")
    assert [d["district"] for d in due] == [wojcik["district"]]
    admin.call(
        "referrals",
        "POST",
        f"/families/{due[0]['family_id']}/erasure",
        json={"reason": "upływ okresu przechowywania"},
    )

    def reviewed() -> bool:
        return admin.call("casework", "GET", "/retention").json() == []

    wait_for("the erased family to leave the retention list", reviewed)


def test_no_personal_data_in_any_log_of_the_run(running_suite: RunningSuite) -> None:
    """Every PESEL and surname the scenario and the other tests of this module used."""
    logs = running_suite.log_text()
    assert "referral.filed" in logs and "case.opened" in logs  # the logs are there
    surnames = {m["last_name"] for r in REFERRALS for m in r["members"]}
    surnames |= {a["last_name"] for a in ASSISTANTS} - {"Dąbrowska"}
    pesels = {m["pesel"] for r in REFERRALS for m in r["members"]}
    found = [s for s in surnames | pesels if s in logs]
    assert found == []


def test_a_missing_or_forged_token_gets_nothing(running_suite: RunningSuite) -> None:
    urls = running_suite.processes.urls
    for service in ("referrals", "casework", "directory", "reporting"):
        assert httpx.get(f"{urls[service]}/health").status_code == 200
        response = httpx.get(f"{urls[service]}/events")
        assert response.status_code in (401, 404)
    forged = Suite(urls=urls, secret="not-the-secret-of-this-deployment-at-all")
    response = forged.head(OCHOTA).client("casework").get("/cases")
    assert response.status_code == 401
