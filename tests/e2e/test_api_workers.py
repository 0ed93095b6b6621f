"""Casework's API served by two processes on one port (ASYSTA_API_WORKERS=2), on PostgreSQL
and Redis: commands land in both, the outbox drains, each event is on the bus once and in
each aggregate's order."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shared.domain.clock import poland_today
from shared.events import Envelope
from shared.eventstore.tables import events, outbox
from shared.messaging.bus import Bus
from shared.runtime.database import create_engine
from suite.demo_data import ASSIGNMENTS, REFERRALS
from suite.scenario import run_scenario
from tests.conftest import REDIS_URL
from tests.e2e.conftest import RunningSuite
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

API_WORKERS = {"casework": 2}
# Nothing trimmed from the bus while the test reads it back.
SUITE_ENV = {"ASYSTA_TRIM_INTERVAL_SECONDS": "3600"}
VISITS_PER_CASE = 6


def test_two_api_processes_serve_commands_and_publish_each_event_once(
    running_suite: RunningSuite,
) -> None:
    city = running_suite.client()
    created = run_scenario(city, log=lambda _line: None)
    casework = running_suite.processes.urls["casework"]
    districts = {str(r["key"]): str(r["district"]) for r in REFERRALS}
    posts: list[tuple[str, dict[str, str]]] = []
    for key, assistant_index in ASSIGNMENTS.items():
        assistant = city.assistant(districts[key], created["assistants"][assistant_index])
        url = f"{casework}/cases/{created['cases'][key]}/visits"
        posts += [(url, {"Authorization": f"Bearer {assistant.token}"})] * VISITS_PER_CASE

    def post(target: tuple[str, dict[str, str]]) -> int:
        # A connection per command (no keep-alive): the kernel hands each to a process.
        url, headers = target
        body = {
            "visited_on": poland_today().isoformat(),
            "duration_minutes": 45,
            "place": "home",
            "present": ["matka"],
            "topics": ["budget"],
            "note": "Wizyta w czasie testu dwóch procesów API.",
        }
        return httpx.post(url, headers=headers, json=body, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, posts))
    assert all(200 <= status < 300 for status in statuses), statuses

    pids = {
        line["pid"]
        for line in _log_lines(running_suite, "casework.log")
        if line.get("event") == "http.request"
        and line.get("route") == "/cases/{case_id}/visits"
        and line.get("status", 500) < 300
    }
    assert len(pids) == 2, pids

    stored, on_bus = asyncio.run(_drained_and_published(running_suite))
    ids_on_bus = [e.event_id for e in on_bus]
    assert len(ids_on_bus) == len(set(ids_on_bus)), "an event was published twice"
    assert set(ids_on_bus) == stored
    versions: dict[str, list[int]] = defaultdict(list)
    for envelope in on_bus:
        versions[envelope.stream_id].append(envelope.aggregate_version)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())


def _log_lines(running_suite: RunningSuite, name: str) -> list[dict[str, Any]]:
    lines = []
    for text in (running_suite.logs / name).read_text(errors="replace").splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


async def _drained_and_published(running_suite: RunningSuite) -> tuple[set[Any], list[Envelope]]:
    """The ids of casework's stored events once its outbox is empty, and its stream's
    envelopes once it holds as many entries as there are events."""
    engine = create_engine(running_suite.processes.env["CASEWORK_DATABASE_URL"])
    bus = Bus(REDIS_URL, prefix=running_suite.prefix)
    stream = bus.stream("casework")
    try:

        async def outbox_empty() -> bool:
            async with engine.connect() as conn:
                count = await conn.execute(select(func.count()).select_from(outbox))
                return int(count.scalar_one()) == 0

        await eventually(outbox_empty, timeout=30.0, what="casework's outbox to drain")
        async with engine.connect() as conn:
            stored = set((await conn.execute(select(events.c.event_id))).scalars())

        async def all_on_bus() -> bool:
            return int(await bus.redis.xlen(stream)) >= len(stored)

        await eventually(all_on_bus, timeout=30.0, what="casework's events on the bus")
        entries = await bus.redis.xrange(stream)
        on_bus = [
            Envelope.model_validate_json(bus.broker.message_format.parse(fields[b"__data__"])[0])
            for _, fields in entries
        ]
        return stored, on_bus
    finally:
        await bus.close()
        await engine.dispose()
