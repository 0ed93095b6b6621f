"""Rebuild: reporting's `rebuild` (the feed read over HTTP in pages of 5,000, applied set-wise
into fresh tables and swapped in) against the raw read-and-decode of the same events from
PostgreSQL, measured in the same run.

- The events (the bench's realistic mix) are stored once in a producing service's event store
  (casework's schema, its sealing of personal fields included) on a fresh PostgreSQL database;
  its API runs as a process of its own (as deployed), serving the feed `/events`.
- ours: `rebuild_projections` into a reporting database (PostgreSQL, the swapped rebuild),
  from the first request to the swap committed; each round rebuilds again over the last.
- raw: asyncpg fetches the events table in position order, pages of 5,000 (keyset), and
  decodes every payload's JSON: the least a reader of the same events must do.

Raw reads bracket every round of ours (raw, ours, raw, ...). Also printed: the time a rebuild
of a 10-year, 18-district history would take at our rate (EVENTS_PER_DISTRICT_YEAR below).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import redis as sync_redis
from sqlalchemy import text

from bench.events import EventMix
from bench.infra import REDIS_URL, PgDatabase, fresh_pg_database
from bench.timing import Rate, Stopwatch
from services.casework.bootstrap import build_app as casework_app
from services.casework.settings import CaseworkSettings
from services.reporting.application.rebuild import PAGE_SIZE, rebuild_projections
from services.reporting.bootstrap import build_reporting
from services.reporting.settings import ReportingSettings
from shared.messaging.streams import relay_marker_key
from shared.web.auth import Role, issue_token
from suite.embedded_redis import free_port
from suite.scenario import wait_for

FILL_CHUNK = 2000
# A district centre's year, as assumed for the projection of a city's history: ~150 families
# in work, each with ~40 visits, plan revisions and assessments a year (~6,000 events), plus
# referrals, decisions, assignments and the directory's events (~1,500): 7,500 events per
# district and year, 18 districts, 10 years = 1.35M events.
EVENTS_PER_DISTRICT_YEAR = 7_500
DISTRICTS = 18
YEARS = 10
CITY_HISTORY = EVENTS_PER_DISTRICT_YEAR * DISTRICTS * YEARS
READY_TIMEOUT = 60.0


async def _fill(db: PgDatabase, mix: EventMix) -> None:
    """The mix in casework's event store, as if casework had recorded it; nothing in the
    outbox (the API's relay has nothing to publish)."""
    casework = casework_app(CaseworkSettings(database_url=db.url))
    await casework.runtime.start(relay=False, worker=False)
    try:
        store = casework.runtime.store
        for i in range(0, len(mix.envelopes), FILL_CHUNK):
            async with casework.runtime.engine.begin() as conn:
                await store.append_envelopes(conn, mix.envelopes[i : i + FILL_CHUNK])
        async with casework.runtime.engine.begin() as conn:
            await conn.execute(text("DELETE FROM outbox"))
    finally:
        await casework.runtime.stop()


@contextlib.contextmanager
def _casework_api(db: PgDatabase) -> Iterator[str]:
    port = free_port()
    prefix = f"benchrebuild{port}:"
    # The relay's marker, as a running suite's Redis holds it: without it the API's relay
    # takes the stream for one Redis lost and republishes the whole history while the
    # rebuild reads the feed (a deployed service's relay has long published it).
    marker = sync_redis.Redis.from_url(REDIS_URL)
    try:
        marker.set(relay_marker_key(prefix, "casework"), "bench-rebuild")
    finally:
        marker.close()
    env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": db.url,
        "CASEWORK_PORT": str(port),
        "REDIS_URL": REDIS_URL,
        "ASYSTA_STREAM_PREFIX": prefix,
        "ASYSTA_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.casework", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError("casework's API exited before the rebuild bench")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        return False

    try:
        wait_for("casework's API for the rebuild bench", ready, timeout=READY_TIMEOUT)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Seen once under heavy load: the API did not stop on SIGTERM and outlived the
            # bench (and its database) as an orphan.
            process.kill()
            process.wait(timeout=30)
        cleanup = sync_redis.Redis.from_url(REDIS_URL)
        try:
            cleanup.delete(relay_marker_key(prefix, "casework"))
        finally:
            cleanup.close()


async def raw(db: PgDatabase) -> Rate:
    """asyncpg: the events table in position order, pages of PAGE_SIZE, every payload's
    JSON decoded."""
    conn = await asyncpg.connect(db.dsn)
    try:
        watch = Stopwatch()
        after, count = 0, 0
        while True:
            rows = await conn.fetch(
                "SELECT * FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                after,
                PAGE_SIZE,
            )
            if not rows:
                break
            for row in rows:
                payload = row["payload"]
                json.loads(payload) if isinstance(payload, str) else payload
            after = rows[-1]["position"]
            count += len(rows)
        return watch.rate(count)
    finally:
        await conn.close()


async def ours(reporting_db: PgDatabase, feed: str, expected: int) -> Rate:
    settings = ReportingSettings(database_url=reporting_db.url)
    reporting = build_reporting(settings)
    await reporting.runtime.start(relay=False, worker=False)
    try:
        token = issue_token(
            settings.signing_secret(),
            subject="bench-rebuild",
            role=Role.SERVICE,
            districts=["*"],
            audience=settings.jwt_audience,
            ttl=timedelta(hours=1),
        )
        watch = Stopwatch()
        count = await rebuild_projections(reporting, feeds={"casework": feed}, token=token)
        rate = watch.rate(count)
        if count != expected:
            raise RuntimeError(f"the rebuild read {count} events of {expected}")
        return rate
    finally:
        await reporting.runtime.stop()


async def compare(mix: EventMix, rounds: int, progress: Any) -> tuple[list[Rate], list[Rate]]:
    ours_runs: list[Rate] = []
    raw_runs: list[Rate] = []
    async with fresh_pg_database() as producer, fresh_pg_database() as consumer:
        progress(f"rebuild: storing {len(mix.envelopes):,} events in casework's event store")
        await _fill(producer, mix)
        with _casework_api(producer) as feed:
            raw_runs.append(await raw(producer))
            for i in range(rounds):
                progress(f"rebuild: ours {i + 1}/{rounds}")
                ours_runs.append(await ours(consumer, feed, len(mix.envelopes)))
                raw_runs.append(await raw(producer))
    return ours_runs, raw_runs


def city_history_time(per_second: float) -> str:
    """How long a rebuild of the 10-year, 18-district history takes at this rate."""
    if per_second <= 0:
        return "?"
    seconds = int(CITY_HISTORY / per_second)
    return f"{seconds // 3600} h {seconds // 60 % 60:02d} min {seconds % 60:02d} s"
