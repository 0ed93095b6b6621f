"""The outbox relay: moves stored events to the service's Redis stream, oldest first.

- One relay of a service publishes at a time (a lease row in the service's database), so the
  stream carries each aggregate's events in version order.
- Rows are deleted only after Redis accepted the publish: a crash before the delete publishes
  them again (consumers absorb duplicates); a crash before the publish loses nothing.
- Redis is not the archive. A marker key says "this Redis has everything up to the outbox";
  when it is gone (restart without persistence, FLUSHALL, failover to an empty replica) the
  relay puts every stored event back into the outbox and publishes the whole history again.
  The same happens when the stream's last id went backwards (Redis restarted from an AOF or a
  replica that misses the last writes, while its marker survived).
- Personal fields go out sealed with the family's bus key (see sealing.py); publishing a
  family's erasure destroys that key first.
- With tracing on, each event is published in the trace that stored it (the outbox row's
  traceparent), so a consumer's span joins the request's trace.
- Every process of a service runs a relay (several API processes, workers), but only the
  lease holder publishes; a commit wakes only its own process's relay. On PostgreSQL the
  holder LISTENs on the service's channel and the others NOTIFY it when their process
  committed events (once per wake-up, after the commit, never inside the appending
  transaction), so it publishes them at once instead of on its next poll. On SQLite (one
  machine, one process) it polls.
- Trimming waits for the groups the configuration names (streams.expected_groups), not for
  the groups Redis happens to hold: a group missing from Redis blocks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import ResponseError
from sqlalchemy import delete, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.domain.clock import Clock, SystemClock
from shared.eventstore.sql import insert_ignoring_duplicates
from shared.eventstore.store import EventStore
from shared.eventstore.tables import events, outbox, relay_lease
from shared.messaging.bus import Bus
from shared.messaging.streams import expected_groups, relay_marker_key
from shared.runtime import tracing
from shared.runtime.database import reads_of
from shared.runtime.logging import get_logger

log = get_logger(__name__)

# How long a woken relay waits before it reads the outbox, so that the commits right behind
# the one that woke it go out in the same batch. Each batch costs a read of the outbox, the
# bus keys, an XADD and a delete whatever its size, and at 20-100 commands/s a batch would
# otherwise hold one command's events (measured in bench/load.py, CPU per command by
# process); the command-to-report lag grows by at most this much. A relay that finds a full
# batch goes on at once.
LINGER_SECONDS = 0.02


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        *,
        service: str,
        store: EventStore | None = None,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        linger: float = LINGER_SECONDS,
        lease_seconds: float = 10.0,
        marker_check_interval: float = 1.0,
        trim_interval: float = 30.0,
        clock: Clock | None = None,
        extra_groups: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.engine = engine
        # Its reads and one-statement writes, without BEGIN and COMMIT around them.
        self._reads = reads_of(engine)
        self.store = store or EventStore()
        self.bus = bus
        self.service = service
        self.stream = bus.stream(service)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.linger = min(max(linger, 0.0), poll_interval)
        self.lease = timedelta(seconds=lease_seconds)
        self.marker_check_interval = marker_check_interval
        self.clock = clock or SystemClock()
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._wake = asyncio.Event()
        # This process committed events since it last told the lease holder.
        self._committed = False
        self.channel = f"asysta_outbox_{service}"
        # The holder's connection LISTENing on `channel` (PostgreSQL only).
        self._listener: AsyncConnection | None = None
        self._notifies = engine.dialect.name == "postgresql"
        # When this relay, not holding the lease, last tried to take it.
        self._last_lease_try = float("-inf")
        self._marker_key = relay_marker_key(bus.prefix, service)
        self._last_marker_check = 0.0
        self.trim_interval = trim_interval
        self._last_trim = 0.0
        self._lease_until: datetime | None = None
        self.groups = expected_groups(service, extra_groups)
        # The id of the last entry this relay added: a stream whose last id is below it lost
        # entries (an AOF or replica behind what Redis acknowledged).
        self._last_added: tuple[int, int] | None = None

    def wake(self) -> None:
        """Publish soon: called after a transaction that wrote events commits."""
        self._committed = True
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled. Errors are logged and retried; nothing is dropped."""
        log.info("relay.started", stream=self.stream)
        try:
            while True:
                published = 0
                try:
                    published = await self._turn()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("relay.failed", stream=self.stream)
                    await self._stop_listening()
                    await asyncio.sleep(1.0)
                if published >= self.batch_size:
                    continue  # more may be waiting
                woken = False
                with contextlib.suppress(TimeoutError):
                    woken = await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                if woken and self.linger and self._lease_until is not None:
                    # Let the commits right behind this one join its batch (LINGER_SECONDS).
                    # Only as the lease holder: another process's relay passes its wake on
                    # by NOTIFY, and the holder waits once.
                    await asyncio.sleep(self.linger)
                self._wake.clear()
        finally:
            await self._stop_listening()

    async def _turn(self) -> int:
        """One round: publish as the lease holder, or tell the holder of this process's
        commits."""
        committed, self._committed = self._committed, False
        loop = asyncio.get_running_loop()
        # Another relay held the lease a moment ago: woken by this process's commits, tell it
        # rather than ask for the lease on every commit (asked again once per poll interval).
        lately_refused = (
            self._lease_until is None and loop.time() - self._last_lease_try < self.poll_interval
        )
        if lately_refused or not await self._hold_lease():
            await self._stop_listening()
            if committed and self._notifies:
                await self._notify_holder()
            return 0
        await self._listen()
        await self._check_marker()
        published = await self.publish_pending()
        await self._trim_now_and_then()
        return published

    async def _notify_holder(self) -> None:
        """NOTIFY the service's channel: the lease holder (another process) wakes and publishes
        what this process committed. Outside a transaction block, so delivered at once; one
        round trip, off the command's path (commits while it runs coalesce into one)."""
        async with self.engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            try:
                await raw.execute("SELECT pg_notify($1, '')", self.channel)
            except Exception:
                # Sent past SQLAlchemy, which would have dropped a broken connection itself.
                await conn.invalidate()
                raise

    async def _listen(self) -> None:
        """As the holder, LISTEN on the service's channel (a connection kept for it), so other
        processes' commits wake this relay. A lost connection is opened again next round."""
        if not self._notifies:
            return
        if self._listener is not None:
            held: Any = (await self._listener.get_raw_connection()).driver_connection
            if held is not None and not held.is_closed():
                return
            await self._stop_listening()
        conn = await self.engine.connect()
        try:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            await raw.add_listener(self.channel, self._notified)
            raw.add_termination_listener(self._listener_lost)
        except BaseException:
            await conn.invalidate()
            await conn.close()
            raise
        self._listener = conn

    def _notified(self, *_args: object) -> None:
        # Not `wake()`: this process committed nothing, so it has nobody to tell.
        self._wake.set()

    def _listener_lost(self, *_args: object) -> None:
        # Poll until the next round opens a new one; wake it to do so now.
        self._wake.set()

    async def _stop_listening(self) -> None:
        conn, self._listener = self._listener, None
        if conn is None:
            return
        # Closed, not returned to the pool: a pooled connection must not stay LISTENing.
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()

    async def publish_pending(self) -> int:
        """Publish one batch of the oldest outbox rows; return how many were published."""
        async with self._reads.connect() as conn:
            batch = await self.store.outbox_batch(conn, self.batch_size)
        if not batch:
            return 0
        # With tracing on: each event goes out in the trace that stored it; this batch's span
        # is the parent of those stored without one.
        with tracing.span(
            "outbox relay", {"messaging.destination.name": self.stream, "count": len(batch)}
        ):
            sealed = await self.bus.keys.seal([entry.envelope for entry in batch])
            last = await self.bus.publish(
                self.stream, sealed, traceparents=[entry.traceparent for entry in batch]
            )
        if last is not None:
            self._last_added = _stream_id(last)
        await self._forget([entry.outbox_id for entry in batch])
        log.debug("relay.published", stream=self.stream, count=len(batch))
        return len(batch)

    async def _trim_now_and_then(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_trim >= self.trim_interval:
            self._last_trim = loop.time()
            await self.trim_acknowledged()

    async def trim_acknowledged(self) -> int:
        """Drop the stream's entries every consumer group has acknowledged: the bus is not the
        archive. Returns how many entries went. Nothing is trimmed while a configured group
        (a consuming service's, or an extra one from ASYSTA_EXTRA_CONSUMER_GROUPS) is missing
        from Redis: its workers may be stopped, and must find the history when they start."""
        redis = self.bus.redis
        try:
            groups = await redis.xinfo_groups(self.stream)
        except ResponseError:
            return 0  # no stream yet
        by_name = {_text(g["name"]): g for g in groups}
        missing = [name for name in self.groups if name not in by_name]
        if not self.groups or missing:
            if missing:
                log.info("relay.trim_waits_for_groups", stream=self.stream, groups=missing)
            return 0
        floor: tuple[int, int] | None = None
        # Every group holds trimming back, also one no service is known for (a second
        # reporting deployment, an operator's tool).
        for name in by_name:
            pending = await redis.xpending(self.stream, name)
            if pending["pending"]:
                first = _stream_id(pending["min"])
            else:
                ms, seq = _stream_id(by_name[name]["last-delivered-id"])
                first = (ms, seq + 1)
            floor = first if floor is None else min(floor, first)
        if floor is None or floor == (0, 1):
            return 0
        trimmed = int(
            await redis.xtrim(self.stream, minid=f"{floor[0]}-{floor[1]}", approximate=False)
        )
        if trimmed:
            log.info("relay.trimmed", stream=self.stream, entries=trimmed)
        return trimmed

    async def _forget(self, outbox_ids: list[int]) -> None:
        # One statement: atomic on its own, no BEGIN and COMMIT around it.
        async with self._reads.connect() as conn:
            await conn.execute(delete(outbox).where(outbox.c.id.in_(outbox_ids)))
            await conn.commit()

    async def _check_marker(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_marker_check < self.marker_check_interval:
            return
        self._last_marker_check = loop.time()
        if await self.bus.redis.exists(self._marker_key) and not await self._stream_went_back():
            return
        requeued = await self.requeue_all()
        await self.bus.redis.set(self._marker_key, self.holder)
        if requeued:
            log.warning("relay.republishing_history", stream=self.stream, events=requeued)

    async def _stream_last_id(self) -> tuple[int, int] | None:
        try:
            info = await self.bus.redis.xinfo_stream(self.stream)
        except ResponseError:
            return None  # no stream
        return _stream_id(info["last-generated-id"])

    async def _stream_went_back(self) -> bool:
        if self._last_added is None:
            return False
        last = await self._stream_last_id()
        if last is not None and last >= self._last_added:
            return False
        log.warning(
            "relay.stream_lost_entries",
            stream=self.stream,
            expected_at_least=f"{self._last_added[0]}-{self._last_added[1]}",
        )
        self._last_added = None
        return True

    async def requeue_all(self) -> int:
        """Put every stored event back into the outbox (those not already waiting there)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert_ignoring_duplicates(conn, outbox).from_select(
                    # SQLite needs a WHERE to tell ON CONFLICT from a join condition.
                    ["event_id"],
                    select(events.c.event_id).where(true()),
                )
            )
            return int(result.rowcount or 0)

    async def _hold_lease(self) -> bool:
        now = self.clock.now()
        if self._lease_until is not None and now < self._lease_until - self.lease / 2:
            return True
        self._last_lease_try = asyncio.get_running_loop().time()
        held = await self._take_lease(now)
        self._lease_until = now + self.lease if held else None
        return held

    async def _take_lease(self, now: datetime) -> bool:
        """Take or renew the lease: one statement, which writes only if the lease is free,
        expired or already ours (before, an UPDATE and, when it matched nothing, an INSERT in
        a savepoint that failed on every try while another relay held the lease)."""
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(relay_lease).values(
            name=self.service, holder=self.holder, expires_at=now + self.lease
        )
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
            where=(relay_lease.c.holder == self.holder) | (relay_lease.c.expires_at < now),
        ).returning(relay_lease.c.holder)
        async with self._reads.connect() as conn:
            taken = (await conn.execute(statement)).first()
            await conn.commit()
        return taken is not None

    async def release(self) -> None:
        self._lease_until = None
        await self._stop_listening()
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(relay_lease).where(
                    relay_lease.c.name == self.service, relay_lease.c.holder == self.holder
                )
            )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _stream_id(value: bytes | str) -> tuple[int, int]:
    ms, _, seq = _text(value).partition("-")
    return int(ms), int(seq or 0)
