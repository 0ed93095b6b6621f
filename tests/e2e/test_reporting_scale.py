"""Reporting scales on its own: the same event history, with many families' events
interleaved, goes through a reporting deployment of 1 worker and one of 3 workers at once,
each with its own database and consumer group; every report comes out identical, every list
in it in a total order (the history makes every sort key tie), and its free places are
casework's, an assistant who stopped working included."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis as sync_redis

from shared.domain.clock import poland_today
from shared.messaging.streams import consumed_streams, events_stream
from shared.web.auth import Role
from suite.embedded_redis import free_port
from suite.scenario import Suite, wait_for
from tests.conftest import PG_HOST_URL, REDIS_URL, create_pg_database, drop_pg_database
from tests.e2e.conftest import RunningSuite
from tests.e2e.flows import open_case, register_assistant, working_case

pytestmark = pytest.mark.e2e

DISTRICTS = ("1465068", "1465058", "1465188")
# Per district: families in work (each with a court opinion due on the same day) and families
# closed into monitoring until the same day, so the reports' sort keys tie; families waiting
# since the same day; and an assistant who stops working while holding families.
IN_WORK = 3
MONITORED = 2
WAITING = 2
HELD_BY_LEAVER = 2
VISITS_PER_FAMILY = 3
TODAY = poland_today()
COURT_DEADLINE = TODAY + timedelta(days=30)
# A day past every assessment and court deadline: all of them overdue, all tied.
LATER = TODAY + timedelta(days=200)


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


def family_history(suite: Suite, district: str, assistant_id: str, index: int) -> None:
    case_id = working_case(suite, district, assistant_id)
    assistant = suite.assistant(district, assistant_id)
    for minutes in range(VISITS_PER_FAMILY):
        assistant.call(
            "casework",
            "POST",
            f"/cases/{case_id}/visits",
            json={
                "visited_on": TODAY.isoformat(),
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
    if index < IN_WORK:
        assistant.call(
            "casework",
            "POST",
            f"/cases/{case_id}/court-opinions",
            json={
                "court_name": "Sąd Rejonowy",
                "case_signature": f"III Nsm {index}/26",
                "requested_on": TODAY.isoformat(),
                "deadline": COURT_DEADLINE.isoformat(),
            },
        )
        return
    suite.head(district).call(
        "casework",
        "POST",
        f"/cases/{case_id}/closure",
        json={"reason": "goals_achieved", "closed_on": TODAY.isoformat(), "monitoring_months": 6},
    )


def leaver_history(suite: Suite, district: str) -> str:
    """An assistant who takes families and then stops working: casework suspends their
    caseload; they keep the families until the head reassigns them."""
    assistant_id = register_assistant(suite, district, name="Zofia")
    for _ in range(HELD_BY_LEAVER):
        working_case(suite, district, assistant_id)
    suite.head(district).call(
        "directory",
        "POST",
        f"/assistants/{assistant_id}/deactivation",
        json={"reason": "resigned"},
    )
    return assistant_id


def all_reports(suite: Suite, url: str) -> dict[str, Any]:
    reporting = {**suite.urls, "reporting": url}
    analyst = Suite(reporting, suite.secret).as_(Role.CITY_ANALYST, "*", subject="analyst")
    found: dict[str, Any] = {
        "city": analyst.call("reporting", "GET", "/reports/city").json(),
        "outcomes": analyst.call("reporting", "GET", "/reports/outcomes").json(),
    }
    half = 1 if TODAY.month <= 6 else 2
    for district in DISTRICTS:
        head = Suite(reporting, suite.secret).head(district)
        found[f"caseload {district}"] = head.call(
            "reporting", "GET", "/reports/caseload", params={"district": district}
        ).json()
        found[f"operational {district}"] = head.call(
            "reporting", "GET", "/reports/operational", params={"district": district}
        ).json()
        found[f"operational later {district}"] = head.call(
            "reporting",
            "GET",
            "/reports/operational",
            params={"district": district, "as_of": LATER.isoformat()},
        ).json()
        found[f"outcomes {district}"] = head.call(
            "reporting", "GET", "/reports/outcomes", params={"district": district}
        ).json()
        found[f"statutory {district}"] = head.call(
            "reporting",
            "GET",
            "/reports/statutory",
            params={"district": district, "year": TODAY.year, "half": half},
        ).json()
    return found


# Each list a report returns, with the key it is sorted by: the last field is an id, so no
# two rows tie and every deployment returns the same rows in the same order.
ORDERS = {
    "assistants": ("name", "assistant_id"),  # by surname first: all alike here
    "waiting_list": ("waiting_since", "case_id"),
    "visit_frequency": ("case_id",),
    "overdue_assessments": ("due", "case_id"),
    "court_opinions_due": ("deadline", "request_id"),
    "court_opinions_overdue": ("deadline", "request_id"),
    "families_in_monitoring": ("monitoring_until", "case_id"),
}


def totally_ordered(report: dict[str, Any]) -> list[str]:
    """The lists of an operational or caseload report that are not in their declared order."""
    wrong = []
    for name, key in ORDERS.items():
        if name not in report:
            continue
        values = [tuple(row[k] for k in key) for row in report[name]]
        if values != sorted(values) or len(set(values)) != len(values):
            wrong.append(name)
    return wrong


def capacity(suite: Suite, district: str) -> dict[str, tuple[int, int, int, bool]]:
    rows = (
        suite.head(district)
        .call("casework", "GET", "/assistants/capacity", params={"district": district})
        .json()
    )
    return {
        r["assistant_id"]: (r["active_families"], r["limit"], r["free_places"], r["working"])
        for r in rows
    }


def suspended(
    suite: Suite, district: str, leaver: str
) -> dict[str, tuple[int, int, int, bool]] | None:
    """Casework's capacity once it has suspended the leaver's caseload."""
    places = capacity(suite, district)
    return places if leaver in places and places[leaver][3] is False else None


def drained(prefix: str, group: str) -> bool:
    """Whether the consumer group has read every entry of reporting's streams and
    acknowledged each (its effects committed)."""
    client = sync_redis.Redis.from_url(REDIS_URL)
    try:
        for source in consumed_streams("reporting"):
            stream = events_stream(prefix, source)
            if not client.exists(stream):
                continue
            last = client.xinfo_stream(stream)["last-generated-id"]
            groups = {g["name"].decode(): g for g in client.xinfo_groups(stream)}
            mine = groups.get(group)
            if mine is None or mine["pending"] or mine["last-delivered-id"] != last:
                return False
        return True
    finally:
        client.close()


def free_places(report: dict[str, Any]) -> dict[str, tuple[int, int, int, bool]]:
    return {
        r["assistant_id"]: (r["active_families"], r["limit"], r["free_places"], r["working"])
        for r in report["assistants"]
    }


def test_one_worker_and_three_workers_give_identical_reports(
    running_suite: RunningSuite, two_reportings: dict[str, str]
) -> None:
    suite = running_suite.client()
    assistants = {d: register_assistant(suite, d) for d in DISTRICTS}
    # All families at once, so their events interleave on the streams.
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures: list[Future[Any]] = [
            pool.submit(family_history, suite, d, assistants[d], i)
            for d in DISTRICTS
            for i in range(IN_WORK + MONITORED)
        ]
        futures += [pool.submit(open_case, suite, d) for d in DISTRICTS for _ in range(WAITING)]
        leaving = {d: pool.submit(leaver_history, suite, d) for d in DISTRICTS}
        for future in futures:
            future.result()
        leavers = {d: future.result() for d, future in leaving.items()}

    def complete(report: dict[str, Any], district: str) -> bool:
        now = report[f"operational {district}"]
        rows = {r["assistant_id"]: r for r in now["assistants"]}
        leaver = rows.get(leavers[district], {})
        return (
            sum(
                r["visits_last_4_weeks"]
                for r in now["visit_frequency"]
                if r["assistant_id"] == assistants[district]
            )
            == IN_WORK * VISITS_PER_FAMILY
            and rows.get(assistants[district], {}).get("active_families") == IN_WORK
            and len(now["court_opinions_due"]) == IN_WORK
            and len(now["families_in_monitoring"]) == MONITORED
            and len(now["waiting_list"]) == WAITING
            and leaver.get("active_families") == HELD_BY_LEAVER
            and leaver.get("working") is False
        )

    def settled() -> tuple[dict[str, Any], dict[str, Any]] | None:
        # Each stream has its own consumer, so the checks above can all hold while an event
        # of another stream (the directory's deactivation of the leaver) still waits in one
        # deployment: compare once both groups also acknowledged everything read.
        if not all(drained(running_suite.prefix, f"reporting-{n}") for n in ("one", "three")):
            return None
        one = all_reports(suite, two_reportings["one"])
        three = all_reports(suite, two_reportings["three"])
        done = all(complete(r, d) for r in (one, three) for d in DISTRICTS)
        return (one, three) if done else None

    one, three = wait_for("both deployments to apply every event", settled, timeout=120)
    assert one == three
    assert one["city"]["totals"]["active_families"] >= len(DISTRICTS) * (IN_WORK + HELD_BY_LEAVER)
    for district in DISTRICTS:
        later = one[f"operational later {district}"]
        # Every sort key ties somewhere: the same deadline, due date, end of monitoring, day.
        assert len(later["court_opinions_overdue"]) == IN_WORK
        assert {o["deadline"] for o in later["court_opinions_overdue"]} == {
            COURT_DEADLINE.isoformat()
        }
        assert len(later["overdue_assessments"]) == IN_WORK + HELD_BY_LEAVER
        assert len({o["due"] for o in later["overdue_assessments"]}) == 1
        assert len({m["monitoring_until"] for m in later["families_in_monitoring"]}) == 1
        assert len({w["waiting_since"] for w in later["waiting_list"]}) == 1
        for name in ("caseload", "operational", "operational later"):
            assert totally_ordered(one[f"{name} {district}"]) == [], name
        # Free places as casework counts them, also for the assistant who stopped working.
        casework = wait_for(
            "casework to suspend the leaver's caseload",
            partial(suspended, suite, district, leavers[district]),
        )
        assert free_places(one[f"caseload {district}"]) == casework
        assert casework[leavers[district]] == (HELD_BY_LEAVER, 15, 0, False)
    # Three readers (and their claimers) in the group of the three-worker deployment.
    redis = sync_redis.Redis.from_url(REDIS_URL)
    consumers = redis.xinfo_consumers(f"{running_suite.prefix}casework.events", "reporting-three")
    redis.close()
    readers = {c["name"].decode() for c in consumers if b"claimer" not in c["name"]}
    assert readers == {f"reporting-three-{i}" for i in range(3)}


def shown(suite: Suite, url: str, district: str) -> dict[str, int]:
    """What a head and an analyst see: the district's visits and families in work, and the
    city's totals."""
    reporting = Suite({**suite.urls, "reporting": url}, suite.secret)
    operational = (
        reporting.head(district)
        .call("reporting", "GET", "/reports/operational", params={"district": district})
        .json()
    )
    city = (
        reporting.as_(Role.CITY_ANALYST, "*", subject="analyst")
        .call("reporting", "GET", "/reports/city")
        .json()
    )
    found = {k: v for k, v in city["totals"].items() if isinstance(v, int)}
    found["visits"] = sum(r["visits_last_4_weeks"] for r in operational["visit_frequency"])
    found["families"] = sum(r["active_families"] for r in operational["assistants"])
    return found


def test_reports_serve_during_a_rebuild_and_end_exact(
    running_suite: RunningSuite, two_reportings: dict[str, str], tmp_path: Path
) -> None:
    """`rebuild` on PostgreSQL builds fresh tables while the live ones serve: reports read
    while it runs never show less than before it started; visits posted meanwhile are counted
    once after the swap, and every report equals a deployment that applied the streams."""
    suite = running_suite.client()
    district = DISTRICTS[0]
    main_url = suite.urls["reporting"]
    assistant_id = register_assistant(suite, district, name="Odbudowa")
    cases = [working_case(suite, district, assistant_id) for _ in range(2)]

    def visit(case_id: str, minutes: int) -> None:
        suite.assistant(district, assistant_id).call(
            "casework",
            "POST",
            f"/cases/{case_id}/visits",
            json={
                "visited_on": TODAY.isoformat(),
                "duration_minutes": minutes,
                "topics": ["parenting"],
            },
        )

    for minutes in range(30, 36):
        visit(cases[minutes % 2], minutes)

    def settled() -> dict[str, int] | None:
        main = shown(suite, main_url, district)
        fresh = shown(suite, two_reportings["one"], district)
        return main if main == fresh and main["visits"] >= 6 else None

    before = wait_for("the live reports to show every visit", settled, timeout=60)
    progress = (tmp_path / "rebuild.log").open("w")
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "services.reporting", "rebuild", "--page-size", "5"],
        env=running_suite.processes.env,
        stdout=subprocess.DEVNULL,
        stderr=progress,
    )
    dsn = running_suite.processes.database_urls["reporting"].replace("+asyncpg", "")

    async def building() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            return bool(await conn.fetchval("SELECT to_regnamespace('reporting_rebuild')"))
        finally:
            await conn.close()

    reads: list[dict[str, int]] = []
    while_building = 0
    posted = 0
    while rebuild.poll() is None:
        while_building += asyncio.run(building())
        reads.append(shown(suite, main_url, district))
        if posted < 10:
            visit(cases[posted % 2], 40 + posted)
            posted += 1
    rebuild.wait(timeout=60)
    progress.close()
    err = (tmp_path / "rebuild.log").read_text()
    assert rebuild.returncode == 0, err
    assert "Odbudowa projekcji [" in err and "zdarzeń/s" in err
    assert reads and posted, "reports were read and visits posted while it ran"
    assert while_building, "reports were read while the fresh tables were being built"
    for seen in reads:
        assert all(seen[k] >= before[k] for k in before), (seen, before)

    def exact() -> dict[str, int] | None:
        main = shown(suite, main_url, district)
        return main if main["visits"] == before["visits"] + posted else None

    after = wait_for("the visits posted during the rebuild", exact, timeout=60)
    assert after["visits"] == before["visits"] + posted  # each once
    # Equal to a deployment that applied the streams as they came (a fresh projection).
    wait_for(
        "the fresh deployment to agree",
        lambda: (
            True
            if all_reports(suite, main_url) == all_reports(suite, two_reportings["one"])
            else None
        ),
        timeout=60,
    )
    assert shown(suite, main_url, district)["visits"] == before["visits"] + posted
