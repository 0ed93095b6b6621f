"""Reporting scales on its own: the same event history, with many families' events
interleaved, goes through a reporting deployment of 1 worker and one of 3 workers at once,
each with its own database and consumer group; every report comes out identical."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest
import redis as sync_redis

from shared.web.auth import Role
from suite.embedded_redis import free_port
from suite.scenario import Suite, wait_for
from tests.conftest import PG_HOST_URL, REDIS_URL, create_pg_database, drop_pg_database
from tests.e2e.conftest import RunningSuite
from tests.e2e.flows import register_assistant, working_case

pytestmark = pytest.mark.e2e

DISTRICTS = ("1465068", "1465058", "1465188")
FAMILIES_PER_DISTRICT = 5
VISITS_PER_FAMILY = 3


@pytest.fixture(scope="module")
def two_reportings(running_suite: RunningSuite) -> Iterator[dict[str, str]]:
    """Two more reporting deployments on the suite's streams: 'one' with 1 worker, 'three'
    with 3. Returns their URLs."""
    processes = running_suite.processes
    urls: dict[str, str] = {}
    databases: list[str] = []
    for name, workers in (("one", 1), ("three", 3)):
        database = asyncio.run(create_pg_database())
        databases.append(database)
        port = free_port()
        env = {
            "REPORTING_DATABASE_URL": f"{PG_HOST_URL}/{database}",
            "REPORTING_PORT": str(port),
            "ASYSTA_CONSUMER_GROUP": f"reporting-{name}",
        }
        processes.spawn(f"reporting-{name}", "reporting", "api", env)
        for i in range(workers):
            processes.spawn(
                f"reporting-{name}-worker-{i}",
                "reporting",
                "worker",
                {**env, "ASYSTA_CONSUMER_NAME": f"reporting-{name}-{i}"},
            )
        urls[name] = f"http://127.0.0.1:{port}"

    def ready(url: str) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/ready", timeout=2).status_code == 200
        return False

    for url in urls.values():
        wait_for(f"{url} to be ready", lambda url=url: ready(url), timeout=60)
    yield urls
    for key in list(processes.processes):
        if key.startswith(("reporting-one", "reporting-three")):
            processes.kill(key)
    for database in databases:
        asyncio.run(drop_pg_database(database))


def family_history(suite: Suite, district: str, assistant_id: str) -> None:
    case_id = working_case(suite, district, assistant_id)
    assistant = suite.assistant(district, assistant_id)
    for minutes in range(VISITS_PER_FAMILY):
        assistant.call(
            "casework",
            "POST",
            f"/cases/{case_id}/visits",
            json={
                "visited_on": date.today().isoformat(),
                "duration_minutes": 30 + minutes,
                "topics": ["parenting"],
            },
        )
    assistant.call(
        "casework",
        "PUT",
        f"/cases/{case_id}/plan",
        json={
            "agreed_with_social_worker": "Anna Kaczmarek",
            "actions": [
                {"description": "Plan", "deadline": "2027-06-30", "expected_effect": "Efekt"}
            ],
        },
    )


def all_reports(suite: Suite, url: str) -> dict[str, Any]:
    reporting = {**suite.urls, "reporting": url}
    analyst = Suite(reporting, suite.secret).as_(Role.CITY_ANALYST, "*", subject="analyst")
    found: dict[str, Any] = {
        "city": analyst.call("reporting", "GET", "/reports/city").json(),
        "outcomes": analyst.call("reporting", "GET", "/reports/outcomes").json(),
    }
    year = date.today().year
    half = 1 if date.today().month <= 6 else 2
    for district in DISTRICTS:
        head = Suite(reporting, suite.secret).head(district)
        found[f"operational {district}"] = head.call(
            "reporting", "GET", "/reports/operational", params={"district": district}
        ).json()
        found[f"statutory {district}"] = head.call(
            "reporting",
            "GET",
            "/reports/statutory",
            params={"district": district, "year": year, "half": half},
        ).json()
    return found


def test_one_worker_and_three_workers_give_identical_reports(
    running_suite: RunningSuite, two_reportings: dict[str, str]
) -> None:
    suite = running_suite.client()
    assistants = {d: register_assistant(suite, d) for d in DISTRICTS}
    # All families at once, so their events interleave on the streams.
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [
            pool.submit(family_history, suite, d, assistants[d])
            for d in DISTRICTS
            for _ in range(FAMILIES_PER_DISTRICT)
        ]
        for future in futures:
            future.result()

    def visits_seen(report: dict[str, Any], district: str) -> int:
        rows = report[f"operational {district}"]["visit_frequency"]
        return sum(
            r["visits_last_4_weeks"] for r in rows if r["assistant_id"] == assistants[district]
        )

    def settled() -> tuple[dict[str, Any], dict[str, Any]] | None:
        one = all_reports(suite, two_reportings["one"])
        three = all_reports(suite, two_reportings["three"])
        complete = all(
            visits_seen(r, d) == FAMILIES_PER_DISTRICT * VISITS_PER_FAMILY
            for r in (one, three)
            for d in DISTRICTS
        )
        return (one, three) if complete else None

    one, three = wait_for("both deployments to apply every event", settled, timeout=90)
    assert one == three
    assert one["city"]["totals"]["active_families"] >= len(DISTRICTS) * FAMILIES_PER_DISTRICT
    # Three readers (and their claimers) in the group of the three-worker deployment.
    redis = sync_redis.Redis.from_url(REDIS_URL)
    consumers = redis.xinfo_consumers(f"{running_suite.prefix}casework.events", "reporting-three")
    redis.close()
    readers = {c["name"].decode() for c in consumers if b"claimer" not in c["name"]}
    assert readers == {f"reporting-three-{i}" for i in range(3)}
