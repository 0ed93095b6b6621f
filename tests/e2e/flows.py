"""Steps the end-to-end tests repeat over HTTP, each as the person who does it at a centre,
waiting for events with bounded polls."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from shared.domain.clock import poland_today
from suite.demo_data import pesel
from suite.scenario import Suite, wait_for

_serials = itertools.count(700)


def family(children: int = 1, surname: str = "Testowa") -> list[dict[str, Any]]:
    """A parent and children with fresh, valid PESEL numbers."""
    members = [
        {
            "role": "parent",
            "first_name": "Anna",
            "last_name": surname,
            "pesel": pesel(date(1989, 4, 4), next(_serials), female=True),
        }
    ]
    for i in range(children):
        members.append(
            {
                "role": "child",
                "first_name": f"Dziecko{i}",
                "last_name": surname,
                "pesel": pesel(date(2015, 6, 1 + i), next(_serials), female=False),
            }
        )
    return members


def register_assistant(suite: Suite, district: str, name: str = "Ewa") -> str:
    created = (
        suite.head(district)
        .call(
            "directory",
            "POST",
            "/assistants",
            json={
                "first_name": name,
                "last_name": "Asystentka",
                "district": district,
                "employment_form": "employment_contract",
            },
        )
        .json()
    )
    return str(created["assistant_id"])


def refer(
    suite: Suite,
    district: str,
    source: str,
    members: list[dict[str, Any]],
    reference: str | None = None,
) -> dict[str, Any]:
    worker = suite.social_worker(district)
    return dict(
        worker.call(
            "referrals",
            "POST",
            "/referrals",
            json={
                "district": district,
                "source": source,
                "sender_reference": reference,
                "members": members,
                "reason": "Opis sytuacji rodziny.",
            },
        ).json()
    )


def interview(suite: Suite, district: str, referral_id: str) -> dict[str, Any]:
    worker = suite.social_worker(district)
    return dict(
        worker.call(
            "referrals",
            "POST",
            f"/referrals/{referral_id}/interview",
            json={"conducted_on": poland_today().isoformat(), "social_worker": "Anna Kaczmarek"},
        ).json()
    )


def grant(suite: Suite, district: str, referral_id: str) -> dict[str, Any]:
    head = suite.head(district)
    return dict(
        head.call(
            "referrals", "POST", f"/referrals/{referral_id}/decision", json={"decision": "granted"}
        ).json()
    )


def case_of(suite: Suite, district: str, referral_id: str) -> str:
    head = suite.head(district)

    def probe() -> str | None:
        rows = head.call("casework", "GET", "/cases", params={"referral_id": referral_id}).json()
        return rows[0]["case_id"] if rows else None

    return wait_for(f"the case of referral {referral_id}", probe)


def open_case(
    suite: Suite,
    district: str,
    source: str = "social_worker",
    members: list[dict[str, Any]] | None = None,
) -> str:
    referral = refer(suite, district, source, members or family())
    if referral["status"] == "awaiting_interview":
        interview(suite, district, referral["referral_id"])
    grant(suite, district, referral["referral_id"])
    return case_of(suite, district, referral["referral_id"])


def assign(suite: Suite, district: str, case_id: str, assistant_id: str) -> dict[str, Any]:
    """Assign as the district's head, waiting until casework knows the assistant."""
    head = suite.head(district)

    def probe() -> dict[str, Any] | None:
        response = head.client("casework").post(
            f"/cases/{case_id}/assignment", json={"assistant_id": assistant_id}
        )
        if response.status_code == 404 and "asystenta" in response.text:
            return None
        assert response.status_code == 200, response.text
        return dict(response.json())

    return wait_for("the assignment", probe)


def consent(suite: Suite, district: str, case_id: str, on: date | None = None) -> dict[str, Any]:
    head = suite.head(district)
    return dict(
        head.call(
            "casework",
            "POST",
            f"/cases/{case_id}/consent",
            json={"given_on": (on or poland_today()).isoformat(), "signed_by": ["Anna Testowa"]},
        ).json()
    )


def case_file(suite: Suite, district: str, case_id: str) -> dict[str, Any]:
    return dict(suite.head(district).call("casework", "GET", f"/cases/{case_id}").json())


def working_case(suite: Suite, district: str, assistant_id: str) -> str:
    case_id = open_case(suite, district)
    assign(suite, district, case_id, assistant_id)
    consent(suite, district, case_id)
    return case_id
