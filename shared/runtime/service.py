"""The moving parts every service runs: its database, the bus, the outbox relay and its
subscriptions. A service's bootstrap builds one and says which parts this process runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.domain.clock import Clock, SystemClock
from shared.events import Envelope
from shared.eventstore import EventStore, kernel_metadata
from shared.eventstore.crypto import Keyring
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from shared.messaging.inbox import Handler, Inbox, SetWise
from shared.messaging.relay import OutboxRelay
from shared.messaging.streams import parse_extra_groups
from shared.migrations.runner import Migrations, prepare_schema
from shared.runtime.database import create_engine, reads_of
from shared.runtime.logging import get_logger
from shared.runtime.metrics import BUILD_INFO, MetricsSampler, Probe, observe_projection_lag
from shared.runtime.settings import ServiceSettings

log = get_logger(__name__)

STOP_STEP_SECONDS = 10.0


async def _bounded(step: str, awaitable: Awaitable[object]) -> None:
    """Wait for a step of a stop, at most STOP_STEP_SECONDS (see ServiceRuntime.stop)."""
    try:
        await asyncio.wait_for(awaitable, STOP_STEP_SECONDS)
    except TimeoutError:
        log.warning("runtime.stop_step_timed_out", step=step, seconds=STOP_STEP_SECONDS)


@dataclass(frozen=True)
class PeriodicJob:
    """Work a worker repeats on a timer (e.g. ending monitoring periods that passed)."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    metadata: MetaData
    produces_events: bool = True
    # The service's schema history (services/<name>/migrations); None: tables created as the
    # metadata says (a test's runtime).
    migrations: Path | None = None
    subscriptions: Mapping[str, Handler] = field(default_factory=dict)
    # Per source stream, the event types its handler is interested in; the others are skipped
    # on purpose. A source not named here hands every type the registry knows to its handler.
    handled_types: Mapping[str, Collection[str]] = field(default_factory=dict)
    jobs: list[PeriodicJob] = field(default_factory=list)
    clock: Clock = field(default_factory=SystemClock)
    # The service's own figures for /metrics (e.g. reporting's caseload per district).
    probes: list[Probe] = field(default_factory=list)
    # Resolves an assistant's login (a token's subject) to their id: set by the services that
    # check "is this the case's assistant" (shared/runtime/assistant_logins.py).
    assistant_logins: Callable[[str], Awaitable[UUID | None]] | None = None

    engine: AsyncEngine = field(init=False)
    metrics: MetricsSampler = field(init=False)
    store: EventStore = field(init=False)
    bus: Bus | None = field(init=False, default=None)
    relay: OutboxRelay | None = field(init=False, default=None)
    consumers: list[StreamConsumer] = field(init=False, default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(init=False, default_factory=list)
    _schema_ready: bool = field(init=False, default=False)
    _reads: tuple[AsyncEngine, AsyncEngine] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url)
        self.store = EventStore(clock=self.clock, keyring=Keyring(self.settings.master_key()))
        self.metrics = MetricsSampler(
            self.name,
            self.engine,
            produces_events=self.produces_events,
            now=self.clock.now,
            probes=self.probes,
        )

    @property
    def reads(self) -> AsyncEngine:
        """The engine for reads, and for a write of one statement: no BEGIN and ROLLBACK
        around them on PostgreSQL (`shared.runtime.database.reads_of`). Follows `engine` when
        a test replaces it."""
        if self._reads is None or self._reads[0] is not self.engine:
            self._reads = (self.engine, reads_of(self.engine))
        return self._reads[1]

    @property
    def consumer_name(self) -> str:
        return self.settings.stable_consumer_name(self.name)

    async def prepare_schema(self, engine: AsyncEngine | None = None) -> None:
        """Bring the database to the schema this code expects (Alembic's head), or check that
        it is there and refuse to run otherwise (`ServiceSettings.migrates_at_start`), through
        `engine` if given (a process's check before its server's event loop runs)."""
        if self._schema_ready:
            return
        upgraded = await prepare_schema(
            engine or self.engine,
            Migrations(self.name, self.migrations) if self.migrations else None,
            (kernel_metadata, self.metadata),
            migrate=self.settings.migrates_at_start(),
        )
        if upgraded is not None and upgraded.changed:
            log.info("schema.migrated", before=upgraded.before, after=upgraded.after)
        self._schema_ready = True

    async def start(self, *, relay: bool, worker: bool) -> None:
        """Bring the schema to head (or check it), then start the relay and/or the
        subscriptions."""
        await self.prepare_schema()
        if not (relay or worker):
            return
        if not self.settings.redis_url:
            raise RuntimeError("REDIS_URL is not set (the launcher sets it for embedded runs)")
        self.bus = Bus(
            self.settings.redis_url,
            prefix=self.settings.stream_prefix,
            data_key=self.settings.master_key(),
        )
        await self.bus.connect()
        BUILD_INFO.labels(self.name, "0.1.0").set(1)
        self.metrics.watch_bus(self.bus.redis, self.settings.stream_prefix)
        self.metrics.start(self.settings.metrics_interval_seconds)
        if relay and self.produces_events:
            self.relay = OutboxRelay(
                self.engine,
                self.bus,
                service=self.name,
                store=self.store,
                clock=self.clock,
                extra_groups=parse_extra_groups(self.settings.extra_consumer_groups),
                trim_interval=self.settings.trim_interval_seconds,
                linger=self.settings.relay_linger_ms / 1000,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))
        if worker and self.subscriptions:
            for source, handler in self.subscriptions.items():
                wake = _WakeIfStored(self.store, self.events_committed)
                consumer = StreamConsumer(
                    self.bus,
                    source=source,
                    group=self.settings.consumer_group or self.name,
                    consumer=self.consumer_name,
                    inbox=Inbox(
                        self.engine,
                        self.name,
                        self._timed(source, wake.watching(handler)),
                        on_commit=wake.after_commit,
                        handles=self.handled_types.get(source),
                    ),
                    batch_size=self.settings.consumer_batch_size,
                    claim_idle_ms=self.settings.claim_idle_ms,
                    max_deliveries=self.settings.max_deliveries,
                    defer_ms=self.settings.consumer_defer_ms,
                    linger_ms=self.settings.consumer_linger_ms,
                )
                await consumer.ensure_group()
                self.consumers.append(consumer)
            await self.bus.start()
            for consumer in self.consumers:
                self._tasks.append(
                    asyncio.create_task(consumer.supervise(), name=f"{self.name}-supervisor")
                )
        if worker:
            for job in self.jobs:
                self._tasks.append(asyncio.create_task(self._repeat(job), name=job.name))
        log.info(
            "service.started",
            relay=self.relay is not None,
            subscriptions=sorted(self.subscriptions) if worker else [],
            consumer=self.consumer_name,
        )

    def _timed(self, source: str, handler: Handler) -> Handler:
        """The handler, observing each event's projection lag once its effect is applied."""
        if isinstance(handler, SetWise):
            apply_many = handler.apply

            async def timed_many(conn: AsyncConnection, envelopes: Sequence[Envelope]) -> None:
                await apply_many(conn, envelopes)
                now = self.clock.now()
                for envelope in envelopes:
                    observe_projection_lag(self.name, source, envelope.recorded_at, now)

            return SetWise(timed_many)

        async def timed(conn: AsyncConnection, envelope: Envelope) -> None:
            await handler(conn, envelope)
            observe_projection_lag(self.name, source, envelope.recorded_at, self.clock.now())

        return timed

    async def _repeat(self, job: PeriodicJob) -> None:
        while True:
            try:
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job.failed", job=job.name)
            await asyncio.sleep(job.interval_seconds)

    async def stop(self) -> None:
        """Stop the relay, the consumers and the jobs, then let go of Redis and the database.
        Each step waits at most STOP_STEP_SECONDS: a stop must end (an orchestrator kills the
        process after its grace period anyway, and a test's teardown must not hang on it);
        what a cut-short step leaves is safe (outbox rows still there, messages still
        pending), and the step is logged."""
        await _bounded("metrics", self.metrics.stop())
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            done, stuck = await asyncio.wait(self._tasks, timeout=STOP_STEP_SECONDS)
            for task in done:
                if not task.cancelled():
                    task.exception()  # retrieved: it ended with an error while stopping
            if stuck:
                log.warning("runtime.tasks_not_stopped", tasks=[t.get_name() for t in stuck])
        self._tasks.clear()
        if self.relay is not None:
            relay = self.relay

            async def last_publish() -> None:
                with contextlib.suppress(Exception):
                    await relay.publish_pending()
                    await relay.release()

            await _bounded("relay", last_publish())
        for consumer in self.consumers:
            await consumer.stop()  # the batch in flight is applied and acknowledged first
        if self.bus is not None:
            await _bounded("bus", self.bus.close())
        await _bounded("database", self.engine.dispose())

    def events_committed(self) -> None:
        """Tell the relay new events are waiting (it also polls, for other processes' writes)."""
        if self.relay is not None:
            self.relay.wake()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One unit of work: commits on success, then wakes the relay."""
        async with self.engine.begin() as conn:
            yield conn
        self.events_committed()

    async def ready(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            if self.bus is not None:
                await self.bus.redis.ping()
        except Exception:
            return False
        return True


class _WakeIfStored:
    """Wakes the relay after a consumer's commit only if its handler stored events. Most
    consumed events store none (referrals passes over every visit), and each wake costs the
    relay a read of the outbox, or a NOTIFY to the process holding its lease. Another
    coroutine's append during the handler makes an extra wake, which is harmless; the
    handler's own appends always make one."""

    def __init__(self, store: EventStore, wake: Callable[[], None]) -> None:
        self._store = store
        self._wake = wake
        self._stored = False

    def watching(self, handler: Handler) -> Handler:
        if isinstance(handler, SetWise):
            apply_many = handler.apply

            async def watched_many(conn: AsyncConnection, envelopes: Sequence[Envelope]) -> None:
                before = self._store.stored
                await apply_many(conn, envelopes)
                self._stored = self._stored or self._store.stored != before

            return SetWise(watched_many)

        async def watched(conn: AsyncConnection, envelope: Envelope) -> None:
            before = self._store.stored
            await handler(conn, envelope)
            self._stored = self._stored or self._store.stored != before

        return watched

    def after_commit(self) -> None:
        if self._stored:
            self._stored = False
            self._wake()
