"""Relay publish: `OutboxRelay.publish_pending` draining stored events, against pipelined XADD.

The events (the realistic mix) are stored with their outbox rows before the clock starts, by a
store with a keyring as the services have (personal fields encrypted at rest); we time
`publish_pending` until the outbox is empty (read a batch of 500 with its events and their
families' keys, decrypt, build envelopes, publish through faststream in one pipeline, delete
the outbox rows). The raw side
sends the very entries the relay wrote (same bytes, same sizes) with redis-py XADD, 500 to a
pipeline, to a stream of its own. Rounds alternate; between them the relay's own
`requeue_all` refills the outbox and the next round publishes to a new stream.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.append import service_store
from bench.infra import REDIS_URL, Interference, fresh_pg_database, retry_on_interference
from bench.timing import Rate, Stopwatch
from shared.events import Envelope
from shared.eventstore import EventStore, kernel_metadata
from shared.messaging.bus import Bus
from shared.messaging.relay import OutboxRelay
from shared.runtime.database import create_engine, create_schema

PIPELINE = 500  # the relay's default batch size
STORE_CHUNK = 1000  # events per transaction while filling the store (not timed)

# As the client answers them (bytes: no decode_responses) and as XADD takes them back.
Entry = dict[bytes | str, bytes | str]


async def compare(
    envelopes: Sequence[Envelope], prefix: str, rounds: int
) -> tuple[list[Rate], list[Rate]]:
    """Our rates and the raw rates, alternating; each round on streams of its own."""
    ours_runs: list[Rate] = []
    raw_runs: list[Rate] = []
    async with fresh_pg_database() as db:
        engine = create_engine(db.url)
        bus = Bus(REDIS_URL, prefix=prefix)
        client = aioredis.from_url(REDIS_URL)
        try:
            await create_schema(engine, kernel_metadata)
            store = service_store()
            await _store(engine, store, envelopes)
            await bus.connect()
            streams = itertools.count()

            async def one_round() -> tuple[Rate, Rate]:
                # Streams of their own each time, so a repeated round starts from nothing.
                n = next(streams)
                relay = OutboxRelay(
                    engine, bus, service=f"relay-{n}", store=store, batch_size=PIPELINE
                )
                if n:
                    await relay.requeue_all()  # the outbox is full again (not timed)
                ours = await _drain(relay)
                entries = await _read_all(client, relay.stream)
                if len(entries) != len(envelopes):
                    raise Interference(f"{relay.stream} holds {len(entries)} of {len(envelopes)}")
                return ours, await _xadd(client, f"{prefix}raw-{n}.events", entries)

            for _ in range(rounds):
                # A repeated round needs no preparation: it refills the outbox itself.
                ours, raw = await retry_on_interference(one_round)
                ours_runs.append(ours)
                raw_runs.append(raw)
        finally:
            await client.aclose()
            await bus.close()
            await engine.dispose()
    return ours_runs, raw_runs


async def _drain(relay: OutboxRelay) -> Rate:
    watch = Stopwatch()
    published = 0
    while batch := await relay.publish_pending():
        published += batch
    return watch.rate(published)


async def _xadd(client: aioredis.Redis, stream: str, entries: Sequence[Entry]) -> Rate:
    watch = Stopwatch()
    for i in range(0, len(entries), PIPELINE):
        async with client.pipeline(transaction=False) as pipe:
            for entry in entries[i : i + PIPELINE]:
                pipe.xadd(stream, entry)  # type: ignore[arg-type]
            await pipe.execute()
    rate = watch.rate(len(entries))
    if await client.xlen(stream) != len(entries):
        raise Interference(f"{stream} lost entries")
    return rate


async def _store(engine: AsyncEngine, store: EventStore, envelopes: Sequence[Envelope]) -> None:
    for i in range(0, len(envelopes), STORE_CHUNK):
        async with engine.begin() as conn:
            await store.append_envelopes(conn, envelopes[i : i + STORE_CHUNK])


async def _read_all(client: aioredis.Redis, stream: str) -> list[Entry]:
    entries: list[Entry] = []
    after = "-"
    while True:
        chunk = await client.xrange(stream, min=after, count=5000)
        if not chunk:
            return entries
        # The client answers bytes (no decode_responses); a reply without fields is none.
        entries.extend(fields for _, fields in chunk if fields)
        last = chunk[-1][0]
        after = f"({last.decode() if isinstance(last, bytes) else last}"
