"""Prometheus metrics of a service process (text format at `/metrics` of every API, and on
`ASYSTA_METRICS_PORT` of a worker).

Names follow Prometheus conventions (`asysta_..._total` for counters, `_seconds` for times).
Labels take bounded values only: service names, route templates (never raw paths), HTTP
status codes, producing services (streams), consumer groups and district TERC codes. No id,
name or PESEL ever becomes a label.

Figures that live in the database or in Redis (events stored, outbox, consumer-group lag,
dead letters, caseload) are sampled by `MetricsSampler`: every `ASYSTA_METRICS_INTERVAL_SECONDS`
in the background, and once more right before an API answers `/metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import ResponseError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.eventstore.tables import events, outbox
from shared.messaging.streams import CONSUMERS, PRODUCERS, dead_letter_stream, events_stream
from shared.runtime.logging import get_logger

log = get_logger(__name__)

# Latencies of an API call: a read answers in milliseconds, a report may take seconds.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# From an event's recording to its effect in a consumer: normally well under a second,
# minutes when a consumer was down or a backlog drains.
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "asysta_http_requests_total",
    "HTTP requests answered, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "asysta_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=HTTP_BUCKETS,
)
OUTBOX_WAITING = Gauge(
    "asysta_outbox_waiting_events",
    "Events stored but not yet published to the service's stream.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "asysta_outbox_oldest_age_seconds",
    "Age of the oldest event waiting in the outbox (0 when it is empty).",
    ["service"],
)
GROUP_LAG = Gauge(
    "asysta_consumer_group_lag_messages",
    "Entries of a stream not yet delivered to a consumer group (XINFO GROUPS lag).",
    ["stream", "group"],
)
GROUP_PENDING = Gauge(
    "asysta_consumer_group_pending_messages",
    "Entries delivered to a consumer group and not yet acknowledged.",
    ["stream", "group"],
)
DEAD_LETTERS = Gauge(
    "asysta_dead_letters_messages",
    "Messages in a consumer group's dead-letter stream, waiting for an operator.",
    ["group"],
)
PROJECTION_LAG = Histogram(
    "asysta_projection_lag_seconds",
    "Time from an event's recording by its producer to its effect in a consumer.",
    ["service", "source"],
    buckets=LAG_BUCKETS,
)
CASELOAD = Gauge(
    "asysta_caseload_families",
    "Families in active work with an assistant, per district (reporting's read model).",
    ["district"],
)
CASELOAD_CAPACITY = Gauge(
    "asysta_caseload_limit_families",
    "Active assistants times the statutory limit of families per assistant, per district.",
    ["district"],
)
SAMPLE_FAILURES = Counter(
    "asysta_metrics_sample_failures_total",
    "Samplings of database or Redis figures that failed (the figures keep their last value).",
    ["service"],
)
BUILD_INFO = Gauge(
    "asysta_build_info",
    "1 per running service process; the labels say which service and version.",
    ["service", "version"],
)


class _StoredEvents(Collector):
    """`asysta_events_appended_total`: the event store's position per producing service.

    Sampled from the database rather than counted in process, so every process of a service
    (and a restart) reports the same monotonic figure. A rolled-back append on PostgreSQL may
    skip a position, so the figure can run a little ahead of the rows."""

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "asysta_events_appended",
            "Events appended to a service's event store (its highest position).",
            labels=["service"],
        )
        for service, position in sorted(self.positions.items()):
            family.add_metric([service], position)
        yield family


STORED_EVENTS = _StoredEvents()
with contextlib.suppress(ValueError):  # registered once per process
    REGISTRY.register(STORED_EVENTS)


@dataclass(frozen=True)
class GroupLag:
    """One consumer group on one stream, as `asysta lag` shows it."""

    stream: str
    group: str
    lag: int
    pending: int
    consumers: int
    last_delivered_id: str
    dead_letters: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "group": self.group,
            "lag": self.lag,
            "pending": self.pending,
            "consumers": self.consumers,
            "last_delivered_id": self.last_delivered_id,
            "dead_letters": self.dead_letters,
        }


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _next_id(entry_id: str) -> str:
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


async def _lag_of(redis: aioredis.Redis, stream: str, group: dict[Any, Any]) -> int:
    lag = group.get("lag")
    if lag is not None:
        return int(lag)
    # Redis answers nil when it cannot tell (entries deleted in the range, or Redis < 7):
    # count what lies after the group's last delivered entry.
    after = _next_id(_text(group.get("last-delivered-id", "0-0")))
    return len(await redis.xrange(stream, min=after, max="+") or [])


async def read_group_lag(
    redis: aioredis.Redis, prefix: str, producers: Sequence[str] = PRODUCERS
) -> list[GroupLag]:
    """Every consumer group of every producing service's stream, with its lag, pending
    count and dead letters. Groups a service expects but Redis lacks (not created yet, or
    Redis lost its data) are listed with the whole stream as their lag."""
    rows: list[GroupLag] = []
    for producer in producers:
        stream = events_stream(prefix, producer)
        try:
            groups = await redis.xinfo_groups(stream)
        except ResponseError:
            groups = []  # no stream yet
        seen: set[str] = set()
        for group in groups:
            name = _text(group["name"])
            seen.add(name)
            rows.append(
                GroupLag(
                    stream=producer,
                    group=name,
                    lag=await _lag_of(redis, stream, group),
                    pending=int(group.get("pending", 0)),
                    consumers=int(group.get("consumers", 0)),
                    last_delivered_id=_text(group.get("last-delivered-id", "0-0")),
                    dead_letters=int(await redis.xlen(dead_letter_stream(prefix, name))),
                )
            )
        for name in CONSUMERS.get(producer, ()):
            if name not in seen:
                rows.append(
                    GroupLag(
                        stream=producer,
                        group=name,
                        lag=int(await redis.xlen(stream)),
                        pending=0,
                        consumers=0,
                        last_delivered_id="-",
                        dead_letters=int(await redis.xlen(dead_letter_stream(prefix, name))),
                    )
                )
    return rows


async def read_outbox(conn: AsyncConnection, now: datetime) -> tuple[int, float]:
    """How many events wait in the outbox, and the age in seconds of the oldest."""
    row = (
        await conn.execute(
            select(func.count(), func.min(events.c.recorded_at)).select_from(
                outbox.join(events, events.c.event_id == outbox.c.event_id)
            )
        )
    ).one()
    waiting, oldest = int(row[0] or 0), row[1]
    if oldest is None:
        return waiting, 0.0
    if isinstance(oldest, str):  # SQLite without type information (an aggregate's result)
        oldest = datetime.fromisoformat(oldest)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return waiting, max((now - oldest).total_seconds(), 0.0)


async def read_event_position(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.max(events.c.position)))).scalar() or 0)


# A service's own figures (e.g. reporting's caseload), sampled with the rest.
Probe = Callable[[AsyncConnection], Awaitable[None]]


class MetricsSampler:
    """Samples the figures of one service process that live in its database and in Redis."""

    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        *,
        produces_events: bool,
        now: Callable[[], datetime],
        probes: Sequence[Probe] = (),
    ) -> None:
        self.service = service
        self.engine = engine
        self.produces_events = produces_events
        self.now = now
        self.probes = list(probes)
        self.redis: aioredis.Redis | None = None
        self.prefix = ""
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch_bus(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def sample(self) -> None:
        """Refresh every sampled figure; a failure is counted and logged, never raised."""
        async with self._lock:
            try:
                await self._sample_database()
                if self.redis is not None:
                    await self._sample_redis(self.redis)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                SAMPLE_FAILURES.labels(self.service).inc()
                log.warning("metrics.sample_failed", error_type=type(exc).__name__)

    async def _sample_database(self) -> None:
        async with self.engine.connect() as conn:
            if self.produces_events:
                STORED_EVENTS.positions[self.service] = await read_event_position(conn)
                waiting, age = await read_outbox(conn, self.now())
                OUTBOX_WAITING.labels(self.service).set(waiting)
                OUTBOX_OLDEST_AGE.labels(self.service).set(age)
            for probe in self.probes:
                await probe(conn)
            await conn.rollback()

    async def _sample_redis(self, redis: aioredis.Redis) -> None:
        for row in await read_group_lag(redis, self.prefix):
            GROUP_LAG.labels(row.stream, row.group).set(row.lag)
            GROUP_PENDING.labels(row.stream, row.group).set(row.pending)
            DEAD_LETTERS.labels(row.group).set(row.dead_letters)

    def start(self, interval: float) -> None:
        """Sample every `interval` seconds in the background until `stop`."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(interval), name=f"{self.service}-metrics")

    async def stop(self) -> None:
        """Let a sampling under way finish (cancelling a database call half-way can leave its
        connection stuck), then end the loop."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            await self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)


def observe_projection_lag(service: str, source: str, recorded_at: datetime, now: datetime) -> None:
    PROJECTION_LAG.labels(service, source).observe(max((now - recorded_at).total_seconds(), 0.0))
