"""The rebuild on PostgreSQL builds fresh tables beside the live ones and swaps them in when
caught up: reports read while it runs never drop below what they showed before it started
(the live tables serve), the live consumer keeps applying meanwhile and after the swap (its
prepared statements now over the new tables), and the result equals a fresh projection with
every event counted once. On SQLite the rebuild stays in place."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

import shared.web.audit  # noqa: F401  (the audit log is a kernel table)
from services.reporting.adapters.tables import PROJECTION_TABLES, metadata
from services.reporting.api import build_api
from services.reporting.application.projector import project
from services.reporting.application.rebuild import (
    OLD_SCHEMA,
    SHADOW_SCHEMA,
    RebuildFailed,
    rebuild_projections,
    shadow_consumer,
)
from services.reporting.bootstrap import ReportingApp, build_reporting
from services.reporting.settings import ReportingSettings
from shared.events import Envelope
from shared.eventstore import kernel_metadata
from shared.messaging.inbox import Inbox
from shared.migrations.runner import schema_differences
from shared.web.auth import Role
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database, token
from tests.integration.test_reports import OCHOTA, History, assistant, case, visit

pytestmark = pytest.mark.integration

FEEDS = {
    "directory": "http://directory",
    "referrals": "http://referrals",
    "casework": "http://casework",
}
# Which feed holds which aggregate's events (as the producing services store them).
FEED_OF = {
    "assistant": "directory",
    "referral": "referrals",
    "case": "casework",
    "caseload": "casework",
}
CASES = 40
VISITS = 4


def history() -> tuple[History, list[tuple[uuid.UUID, uuid.UUID]]]:
    h = History()
    people = [assistant(h, "employment_contract", date(2025, 1, 1)) for _ in range(4)]
    cases = []
    for i in range(CASES):
        who = people[i % len(people)]
        case_id, _family = case(
            h,
            source="social_worker",
            children=1 + i % 3,
            opened=date(2026, 5, 1),
            assigned=(who, date(2026, 5, 2)),
        )
        for day in range(VISITS):
            visit(h, case_id, who, date(2026, 5, 10 + day))
        cases.append((case_id, who))
    return h, cases


@dataclass
class Producers:
    """The three services' stores, as their feeds serve them; `during` runs on every page
    asked for (what happens in the city while a rebuild reads)."""

    stores: dict[str, list[Envelope]] = field(default_factory=lambda: {s: [] for s in FEEDS})
    pages: int = 0
    during: Any = None

    def record(self, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            self.stores[FEED_OF[envelope.aggregate_type]].append(envelope)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host
        after = int(request.url.params["after"])
        limit = int(request.url.params["limit"])
        store = self.stores[service]
        page = store[after : after + limit]
        self.pages += 1
        if self.during is not None:
            self.during()
        body = {
            "events": [e.model_dump(mode="json") for e in page],
            "next_after": after + len(page),
            "head": len(store),
        }
        return httpx.Response(200, content=json.dumps(body).encode())

    def everything(self) -> list[Envelope]:
        return [e for store in self.stores.values() for e in store]


@pytest.fixture
async def live(pg_url: str) -> AsyncIterator[ReportingApp]:
    reporting = build_reporting(ReportingSettings(database_url=pg_url))
    await reporting.runtime.start(relay=False, worker=False)
    yield reporting
    await reporting.runtime.stop()


async def apply_live(inbox: Inbox, envelopes: list[Envelope]) -> None:
    """As the live worker does: a batch through the inbox; a batch that fails is delivered
    again (as an unacknowledged stream entry is), until it is applied."""
    for _ in range(5):
        if all(r is None for r in await inbox.process(envelopes)):
            return
    raise AssertionError("the live consumer could not apply a batch")


async def figures(client: httpx.AsyncClient) -> dict[str, int]:
    """What the reports show: the city's totals and Ochota's operational counts."""
    bearer = token(Role.CITY_ANALYST, ("*",), subject="analyst")
    city = await client.get("/reports/city", headers={"Authorization": f"Bearer {bearer}"})
    assert city.status_code == 200, city.text
    head = token(Role.HEAD, (OCHOTA,), subject="head")
    operational = await client.get(
        "/reports/operational",
        params={"district": OCHOTA, "as_of": "2026-05-25"},
        headers={"Authorization": f"Bearer {head}"},
    )
    assert operational.status_code == 200, operational.text
    found = {k: v for k, v in city.json()["totals"].items() if isinstance(v, int)}
    body = operational.json()
    found["visits"] = sum(r["visits_last_4_weeks"] for r in body["visit_frequency"])
    found["families"] = sum(r["active_families"] for r in body["assistants"])
    return found


async def dump(reporting: ReportingApp) -> dict[str, list[tuple[Any, ...]]]:
    async with reporting.engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in await conn.execute(select(t))), key=repr)
            for t in PROJECTION_TABLES
        }


async def assert_equals_fresh(live: ReportingApp, everything: list[Envelope]) -> None:
    database = await create_pg_database()
    try:
        fresh = build_reporting(ReportingSettings(database_url=f"{PG_HOST_URL}/{database}"))
        await fresh.runtime.start(relay=False, worker=False)
        try:
            fresh_inbox = Inbox(fresh.engine, fresh.runtime.name, project)
            for i in range(0, len(everything), 100):
                await apply_live(fresh_inbox, everything[i : i + 100])
            assert await dump(live) == await dump(fresh)
        finally:
            await fresh.runtime.stop()
    finally:
        await drop_pg_database(database)


async def test_reports_serve_during_a_swapped_rebuild_and_end_exact(live: ReportingApp) -> None:
    h, cases = history()
    producers = Producers()
    producers.record(h.envelopes)
    inbox = Inbox(live.engine, live.runtime.name, project)
    for i in range(0, len(h.envelopes), 50):
        await apply_live(inbox, h.envelopes[i : i + 50])
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_api(live, run_relay=False)),
        base_url="http://reporting",
    )
    before = await figures(api)
    assert before["visits"] == CASES * VISITS and before["families"] == CASES

    reads: list[tuple[bool, dict[str, int]]] = []
    tasks: list[asyncio.Task[Any]] = []
    posted: list[Envelope] = []

    async def read() -> None:
        async with live.engine.connect() as conn:
            building = (
                await conn.execute(
                    text("SELECT to_regnamespace(:s) IS NOT NULL"), {"s": SHADOW_SCHEMA}
                )
            ).scalar_one()
        reads.append((bool(building), await figures(api)))

    async def post_visit(n: int) -> None:
        # A visit recorded in casework during the rebuild: stored (the feed has it), then
        # delivered to the live worker.
        case_id, who = cases[n % CASES]
        more = History()
        more._versions[("case", case_id)] = max(
            e.aggregate_version for e in producers.everything() if e.aggregate_id == case_id
        )
        visit(more, case_id, who, date(2026, 5, 20))
        producers.record(more.envelopes)
        posted.extend(more.envelopes)
        await apply_live(inbox, more.envelopes)

    def during() -> None:
        tasks.append(asyncio.create_task(read()))
        if producers.pages % 2 == 0 and len(posted) < 30:
            tasks.append(asyncio.create_task(post_visit(producers.pages)))

    producers.during = during
    count = await rebuild_projections(
        live,
        feeds=FEEDS,
        token="unused",
        page_size=25,
        transport=httpx.MockTransport(producers.handle),
    )
    producers.during = None
    await asyncio.gather(*tasks)
    assert count >= len(h.envelopes)
    assert posted, "events were posted during the rebuild"

    # While it ran, the reports never showed less than before it started.
    assert any(building for building, _ in reads), "reports were read while it was building"
    for _building, seen in reads:
        assert all(seen[k] >= before[k] for k in before), (seen, before)

    # The live worker after the swap: the posted events once more (a redelivery) and one more
    # visit per case, through the connections that wrote to the old tables.
    await apply_live(inbox, posted)
    for n in range(CASES):
        await post_visit(n)
    after = await figures(api)
    assert after["visits"] == CASES * VISITS + len(posted)
    assert after["families"] == CASES

    # Exact: equal to a fresh projection of the same history, every event once.
    await assert_equals_fresh(live, producers.everything())

    async with live.engine.connect() as conn:
        schemas = (
            await conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname IN (:a, :b)"),
                {"a": SHADOW_SCHEMA, "b": OLD_SCHEMA},
            )
        ).scalar_one()
        shadow_rows = (
            await conn.execute(
                text("SELECT count(*) FROM inbox_tracking WHERE consumer = :c"),
                {"c": shadow_consumer(live.runtime.name)},
            )
        ).scalar_one()
    assert schemas == 0 and shadow_rows == 0
    await api.aclose()


async def test_an_event_the_reading_passed_before_it_was_committed_is_not_lost(
    live: ReportingApp,
) -> None:
    """A producer's transaction takes its position before it commits: the rebuild's reading
    may pass that position first, while the live worker gets the event from the stream. The
    swap sees that the live consumer is ahead on that aggregate and reads the feeds again."""
    h, _cases = history()
    late = h.envelopes[-1]  # the last visit of the last case: the end of its stream
    producers = Producers()
    producers.record(h.envelopes[:-1])
    inbox = Inbox(live.engine, live.runtime.name, project)
    for i in range(0, len(h.envelopes) - 1, 50):
        await apply_live(inbox, h.envelopes[i : i + 50][: len(h.envelopes) - 1 - i])
    tasks: list[asyncio.Task[None]] = []

    def during() -> None:
        casework = producers.stores["casework"]
        if not tasks and late not in casework and len(casework) and producers.pages > 12:
            casework.insert(0, late)  # committed now, at a position already read
            tasks.append(asyncio.create_task(apply_live(inbox, [late])))

    producers.during = during
    await rebuild_projections(
        live,
        feeds=FEEDS,
        token="unused",
        page_size=25,
        transport=httpx.MockTransport(producers.handle),
    )
    await asyncio.gather(*tasks)
    assert tasks, "the late event was committed during the rebuild"
    await assert_equals_fresh(live, producers.everything())


async def test_on_sqlite_and_asked_on_postgresql_the_rebuild_stays_in_place(
    db_url: str,
) -> None:
    reporting = build_reporting(ReportingSettings(database_url=db_url))
    await reporting.runtime.start(relay=False, worker=False)
    try:
        h, _cases = history()
        producers = Producers()
        producers.record(h.envelopes)
        inbox = Inbox(reporting.engine, reporting.runtime.name, project)
        for i in range(0, len(h.envelopes), 50):
            await apply_live(inbox, h.envelopes[i : i + 50])
        before = await dump(reporting)
        seen: list[tuple[int, int]] = []
        count = await rebuild_projections(
            reporting,
            feeds=FEEDS,
            token="unused",
            page_size=100,
            transport=httpx.MockTransport(producers.handle),
            progress=lambda done, total: seen.append((done, total)),
            swap=False if db_url.startswith("postgresql") else None,
        )
        assert count == len(h.envelopes)
        assert seen[0] == (0, len(h.envelopes)) and seen[-1] == (count, count)
        assert await dump(reporting) == before
    finally:
        await reporting.runtime.stop()


async def test_a_table_of_an_older_shape_comes_back_in_the_code_s_shape(
    live: ReportingApp,
) -> None:
    """A read model whose shape changed: the live table still has a column the code dropped
    and lacks one it added (as the previous release left it). The rebuild's tables are the
    code's; the live consumer and the reports work on them after the swap, through
    connections that used the old ones."""
    h, cases = history()
    producers = Producers()
    producers.record(h.envelopes)
    inbox = Inbox(live.engine, live.runtime.name, project)
    async with live.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE visits_view ADD COLUMN legacy_place varchar(20)"))
    for i in range(0, len(h.envelopes), 50):
        await apply_live(inbox, h.envelopes[i : i + 50])
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_api(live, run_relay=False)),
        base_url="http://reporting",
    )
    before = await figures(api)
    await rebuild_projections(
        live, feeds=FEEDS, token="unused", transport=httpx.MockTransport(producers.handle)
    )
    async with live.engine.connect() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = 'visits_view'"
                )
            )
        ).scalars()
        assert "legacy_place" not in set(columns)
        indexes = set(
            (
                await conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
                )
            ).scalars()
        )
        # Every index of the code's tables, under its own name (as a migration names it):
        # the database is at its migrations' head, as before.
        assert {i.name for t in PROJECTION_TABLES for i in t.indexes} <= indexes
        assert await conn.run_sync(schema_differences, kernel_metadata, metadata) == []
    assert await figures(api) == before
    # The live consumer goes on, on the new tables: one more visit per case, each once.
    more = History()
    for case_id, who in cases:
        more._versions[("case", case_id)] = max(
            e.aggregate_version for e in h.envelopes if e.aggregate_id == case_id
        )
        visit(more, case_id, who, date(2026, 5, 21))
    await apply_live(inbox, more.envelopes)
    await apply_live(inbox, more.envelopes)  # delivered twice
    producers.record(more.envelopes)
    assert (await figures(api))["visits"] == before["visits"] + CASES
    await assert_equals_fresh(live, producers.everything())
    await api.aclose()


async def test_a_second_rebuild_at_once_is_refused(live: ReportingApp) -> None:
    h, _cases = history()
    producers = Producers()
    producers.record(h.envelopes)
    async with live.engine.connect() as other:
        held = await other.execute(
            text("SELECT pg_try_advisory_lock(hashtext('asysta-reporting-rebuild'))")
        )
        assert held.scalar_one()
        with pytest.raises(RebuildFailed):
            await rebuild_projections(
                live, feeds=FEEDS, token="unused", transport=httpx.MockTransport(producers.handle)
            )
        await other.execute(text("SELECT pg_advisory_unlock_all()"))
    assert producers.pages == 0


async def test_an_event_the_live_consumer_parked_and_the_reading_passed_is_not_lost(
    live: ReportingApp,
) -> None:
    """The live worker has not yet had a case's last visit (v) when a later one (v+1) arrives
    out of order and is parked; v+1 was committed at a position the rebuild had already read
    past. The rebuild has v but not v+1: the swap sees the live consumer's parked event and
    reads the feeds again, so v+1 is not dropped with the live consumer's parked rows."""
    h, cases = history()
    case_id, who = cases[-1]
    last = h.envelopes[-1]  # v: the last visit of the last case
    assert last.aggregate_id == case_id
    more = History()
    more._versions[("case", case_id)] = last.aggregate_version
    visit(more, case_id, who, date(2026, 5, 22))
    [late] = more.envelopes  # v+1
    producers = Producers()
    producers.record(h.envelopes)
    inbox = Inbox(live.engine, live.runtime.name, project)
    for i in range(0, len(h.envelopes) - 1, 50):
        await apply_live(inbox, h.envelopes[: len(h.envelopes) - 1][i : i + 50])
    tasks: list[asyncio.Task[None]] = []

    def during() -> None:
        casework = producers.stores["casework"]
        if not tasks and producers.pages > 12:
            casework.insert(0, late)  # committed now, at a position already read
            tasks.append(asyncio.create_task(apply_live(inbox, [late])))  # parked live

    producers.during = during
    await rebuild_projections(
        live,
        feeds=FEEDS,
        token="unused",
        page_size=25,
        transport=httpx.MockTransport(producers.handle),
    )
    await asyncio.gather(*tasks)
    assert tasks
    await apply_live(inbox, [last])  # v reaches the live worker at last: already applied
    await assert_equals_fresh(live, producers.everything())
