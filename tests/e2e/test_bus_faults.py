"""Faults an operator meets on the bus, with the whole suite running as processes on
PostgreSQL and a real Redis:
- a family erased while its events sit among dead letters leaves no personal data in clear in
  any Redis key or any database;
- a reporting deployment that was stopped while Redis lost its data catches up when it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as sync_redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.domain.clock import poland_today
from shared.runtime.database import create_engine
from shared.web.auth import Role
from suite.embedded_redis import free_port
from suite.scenario import wait_for
from tests.conftest import PG_HOST_URL, REDIS_URL, create_pg_database, drop_pg_database
from tests.e2e.conftest import RunningSuite
from tests.e2e.flows import assign, consent, family, open_case, register_assistant
from tests.e2e.test_reporting_scale import all_reports

pytestmark = pytest.mark.e2e

DISTRICT = "1465068"
LATE = "reporting-late"  # the deployment stopped while Redis loses its data
BROKEN = "reporting-broken"  # the deployment whose database fails every projection

SUITE_ENV = {
    # The relays know from configuration which groups beside the services' own they wait for.
    "ASYSTA_EXTRA_CONSUMER_GROUPS": f"reporting:{LATE}",
    "ASYSTA_TRIM_INTERVAL_SECONDS": "1",
}


def _ready(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    return False


def reporting_deployment(
    running_suite: RunningSuite, name: str, **settings: str
) -> Iterator[tuple[str, str]]:
    """Another reporting deployment (API and one worker) under a group of its own; yields its
    URL and database URL."""
    processes = running_suite.processes
    database = asyncio.run(create_pg_database())
    database_url = f"{PG_HOST_URL}/{database}"
    port = free_port()
    env = {
        "REPORTING_DATABASE_URL": database_url,
        "REPORTING_PORT": str(port),
        "ASYSTA_CONSUMER_GROUP": name,
        **settings,
    }
    processes.spawn(name, "reporting", "api", env)
    processes.spawn(f"{name}-worker", "reporting", "worker", {**env, "ASYSTA_CONSUMER_NAME": name})
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{name} to be ready", lambda: _ready(url), timeout=60)
    try:
        yield url, database_url
    finally:
        for key in (name, f"{name}-worker"):
            if processes.processes[key].poll() is None:
                processes.kill(key)
        asyncio.run(drop_pg_database(database))


@pytest.fixture(scope="module")
def broken_reporting(running_suite: RunningSuite) -> Iterator[tuple[str, str]]:
    yield from reporting_deployment(running_suite, BROKEN, ASYSTA_MAX_DELIVERIES="1")


@pytest.fixture(scope="module")
def late_reporting(running_suite: RunningSuite) -> Iterator[tuple[str, str]]:
    yield from reporting_deployment(running_suite, LATE)


async def _sql(database_url: str, *statements: str) -> list[Any]:
    engine = create_engine(database_url)
    results: list[Any] = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                results.append(result.all() if result.returns_rows else None)
    finally:
        await engine.dispose()
    return results


def break_projections(database_url: str) -> None:
    """Every read model of the deployment goes missing: each projection fails."""
    from services.reporting.adapters.tables import metadata

    renames = [f'ALTER TABLE "{t}" RENAME TO "{t}_gone"' for t in metadata.tables]
    # The running worker (and its metrics sampler) hold locks on these tables: PostgreSQL may
    # break a deadlock by aborting the renames, which then run again, a bounded number of times.
    for attempt in range(10):
        try:
            asyncio.run(_sql(database_url, *renames))
            return
        except DBAPIError as failed:
            if "deadlock detected" not in str(failed) or attempt == 9:
                raise


def database_text(database_url: str) -> str:
    """Every row of every table of a database, as text."""

    async def dump() -> str:
        (tables,) = await _sql(
            database_url,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        statements = [f'SELECT * FROM "{name}"' for (name,) in tables]
        rows = await _sql(database_url, *statements)
        return json.dumps([[list(map(str, r)) for r in table] for table in rows])

    return asyncio.run(dump())


def redis_text(prefix: str) -> str:
    """Every value of every key of the deployment on Redis (streams, hashes, strings)."""
    client = sync_redis.Redis.from_url(REDIS_URL)
    found: list[bytes] = []
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            kind = client.type(key)
            if kind == b"stream":
                for _, fields in client.xrange(key):
                    found += [*fields.keys(), *fields.values()]
            elif kind == b"hash":
                for field, value in client.hgetall(key).items():
                    found += [field, value]
            elif kind == b"string":
                found.append(client.get(key) or b"")
            elif kind in (b"list", b"set", b"zset"):
                found.append(repr(client.dump(key)).encode())
    finally:
        client.close()
    return b"\n".join(found).decode("utf-8", errors="replace")


def clear_traces(haystack: str, needles: list[str]) -> list[str]:
    """The needles found in clear, also as JSON escapes them (ensure_ascii)."""
    escaped = [json.dumps(n)[1:-1] for n in needles]
    return [n for n, e in zip(needles, escaped, strict=True) if n in haystack or e in haystack]


def dead_letters_of(prefix: str, family_id: str) -> list[dict[bytes, bytes]]:
    client = sync_redis.Redis.from_url(REDIS_URL)
    try:
        entries = client.xrange(f"{prefix}{BROKEN}.dead-letters")
    finally:
        client.close()
    return [f for _, f in entries if f.get(b"family_id") == family_id.encode()]


def test_an_erased_familys_data_is_nowhere_in_clear_not_even_in_dead_letters(
    running_suite: RunningSuite, broken_reporting: tuple[str, str]
) -> None:
    suite = running_suite.client()
    _, broken_database = broken_reporting
    break_projections(broken_database)
    surname = "Zażółćkowska"
    members = family(children=2, surname=surname)
    note = "Rozmowa o długach pani Zażółćkowskiej"
    assistant_id = register_assistant(suite, DISTRICT)
    case_id = open_case(suite, DISTRICT, members=members)
    assign(suite, DISTRICT, case_id, assistant_id)
    consent(suite, DISTRICT, case_id)
    suite.assistant(DISTRICT, assistant_id).call(
        "casework",
        "POST",
        f"/cases/{case_id}/visits",
        json={
            "visited_on": poland_today().isoformat(),
            "duration_minutes": 45,
            "topics": ["parenting"],
            "present": [f"Anna {surname}"],
            "note": note,
        },
    )
    head = suite.head(DISTRICT)
    family_id = head.call("casework", "GET", f"/cases/{case_id}").json()["family_id"]
    personal = [m["pesel"] for m in members] + [surname, note]

    # The broken deployment dead-letters the family's first events, referrals' and
    # casework's; their later events wait behind them, parked in its database.
    def dead_lettered() -> list[dict[bytes, bytes]] | None:
        letters = dead_letters_of(running_suite.prefix, family_id)
        return letters if len({f[b"stream"] for f in letters}) == 2 else None

    letters = wait_for("the family's events among the dead letters", dead_lettered, timeout=60)
    assert all(b"UndefinedTable" in f[b"error"] or b"sealed:" in f[b"error"] for f in letters)
    # Sealed on the bus from the start: nothing personal crosses it in clear.
    assert clear_traces(redis_text(running_suite.prefix), personal) == []

    admin = suite.as_(Role.ADMIN, "*", subject="administrator")
    admin.call(
        "referrals",
        "POST",
        f"/families/{family_id}/erasure",
        json={"reason": "żądanie usunięcia danych"},
    )

    # Within the documented bound: the family's dead letters are gone, its bus key destroyed.
    wait_for(
        "the family's dead letters to be deleted",
        lambda: not dead_letters_of(running_suite.prefix, family_id),
        timeout=10,
    )
    client = sync_redis.Redis.from_url(REDIS_URL)
    assert client.get(f"{running_suite.prefix}bus-key:{family_id}") == b"erased"
    client.close()

    def casework_erased() -> bool:
        case = head.call("casework", "GET", f"/cases/{case_id}").json()
        return bool(case["members"][0]["last_name"] == "[usunięto]")

    wait_for("casework to destroy its key of the family", casework_erased)

    assert clear_traces(redis_text(running_suite.prefix), personal) == []
    urls = {
        name: running_suite.processes.env[f"{name.upper()}_DATABASE_URL"]
        for name in ("referrals", "casework", "directory", "reporting")
    }
    urls[BROKEN] = broken_database
    leaks = {name: clear_traces(database_text(url), personal) for name, url in urls.items()}
    assert leaks == {name: [] for name in urls}


def _log_count(logs: Path, event: str) -> int:
    return sum(
        len(re.findall(rf'"event": "{re.escape(event)}"', p.read_text(errors="replace")))
        for p in logs.glob("*.log")
    )


def test_a_reporting_deployment_stopped_while_redis_lost_its_data_catches_up(
    running_suite: RunningSuite, late_reporting: tuple[str, str]
) -> None:
    suite = running_suite.client()
    processes = running_suite.processes
    late_url, _ = late_reporting
    main_url = running_suite.processes.urls["reporting"]
    assistant_id = register_assistant(suite, DISTRICT, name="Zofia")
    assistant = suite.assistant(DISTRICT, assistant_id)
    case_id = open_case(suite, DISTRICT)
    assign(suite, DISTRICT, case_id, assistant_id)
    consent(suite, DISTRICT, case_id)

    def visit(minutes: int) -> None:
        assistant.call(
            "casework",
            "POST",
            f"/cases/{case_id}/visits",
            json={
                "visited_on": poland_today().isoformat(),
                "duration_minutes": minutes,
                "topics": ["parenting"],
            },
        )

    def visits_of(url: str) -> int:
        report = all_reports(suite, url)[f"operational {DISTRICT}"]
        return sum(
            r["visits_last_4_weeks"]
            for r in report["visit_frequency"]
            if r["assistant_id"] == assistant_id
        )

    def both_see(n: int) -> bool:
        return visits_of(main_url) == n and visits_of(late_url) == n

    for minutes in (30, 31):
        visit(minutes)
    wait_for("both deployments to count the first visits", lambda: both_see(2), timeout=60)

    # The late deployment's worker stops; Redis loses everything; work goes on.
    worker = processes.processes[f"{LATE}-worker"]
    worker.send_signal(signal.SIGINT)
    worker.wait(timeout=15)
    client = sync_redis.Redis.from_url(REDIS_URL)
    client.flushall()
    trims_before = _log_count(running_suite.logs, "relay.trim_waits_for_groups") + _log_count(
        running_suite.logs, "relay.trimmed"
    )
    for minutes in (32, 33, 34):
        visit(minutes)
    wait_for("the running deployment to recover", lambda: visits_of(main_url) == 5, timeout=90)

    # Every relay has looked at trimming since (and found the late group missing).
    def relays_considered_trimming() -> bool:
        seen = _log_count(running_suite.logs, "relay.trim_waits_for_groups") + _log_count(
            running_suite.logs, "relay.trimmed"
        )
        return seen >= trims_before + 3

    wait_for("the relays to consider trimming", relays_considered_trimming, timeout=30)
    client.close()

    processes.spawn(
        f"{LATE}-worker",
        "reporting",
        "worker",
        {
            "REPORTING_DATABASE_URL": late_reporting[1],
            "ASYSTA_CONSUMER_GROUP": LATE,
            "ASYSTA_CONSUMER_NAME": LATE,
        },
    )
    wait_for("the late deployment to catch up", lambda: visits_of(late_url) == 5, timeout=90)
    assert all_reports(suite, late_url) == all_reports(suite, main_url)
    assert "consumer.behind_stream_start" not in running_suite.log_text()
