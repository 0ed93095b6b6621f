"""Where our time goes: `python -m bench.breakdown projection|append [options]`.

Not part of `make bench`. Wraps a few functions of our path with wall-clock timers, in this
process only (nothing in shared/ or services/ changes), runs one measurement and prints the
time per event spent in each. Stages nest (the handler contains the inbox, which contains
the projector, which contains SQL), so they do not add up; the timers themselves cost a few
per cent.

What-if, to measure a change before anyone makes it:
- `append --what-if-pre-ping`: our engine with `pool_pre_ping` (one round trip more per
  transaction), as it was before the append path was made lean.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import gc
import json
import sys
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

import services.reporting.application.projector as projector
import shared.events.base as events_base
import shared.eventstore.crypto as crypto
import shared.eventstore.store as store_module
import shared.messaging.consumer as consumer_module
import shared.messaging.inbox as inbox_module
import shared.messaging.sealing as sealing
from bench import append, projection
from bench.events import generate
from bench.infra import fresh_pg_database, fresh_sqlite_file, redis_prefix
from shared.eventstore import kernel_metadata
from shared.runtime.database import create_engine, create_schema
from shared.runtime.logging import configure_logging

SECONDS: collections.defaultdict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter[str] = collections.Counter()


def _timed(owner: Any, attribute: str, label: str) -> None:
    """Replace owner.attribute by a wrapper adding its wall time to SECONDS[label]."""
    original = getattr(owner, attribute)
    if asyncio.iscoroutinefunction(original):

        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                SECONDS[label] += time.perf_counter() - start
                CALLS[label] += 1

    else:

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                SECONDS[label] += time.perf_counter() - start
                CALLS[label] += 1

    setattr(owner, attribute, wrapper)


def _print(title: str, events: int, seconds: float) -> None:
    print(f"{title}: {events / seconds:,.0f} ev/s ({seconds:.2f} s for {events:,} events)")
    width = max(len(label) for label in SECONDS)
    for label in sorted(SECONDS):
        print(
            f"  {label:<{width}}  {1e6 * SECONDS[label] / events:7.0f} us/event"
            f"  {CALLS[label] / events:5.2f} calls/event"
        )


async def breakdown_projection(events: int, batch: int, sqlite: bool) -> None:
    consumer, inbox = consumer_module.StreamConsumer, inbox_module.Inbox
    # The reader decodes a batch, hands it to a task of its own (inbox, then acks) and waits
    # for the one before it to be applied, then faststream reads the next one: stages 1 and 3
    # overlap in time.
    _timed(consumer, "_decoded", "1 reader: decode (Envelope.model_validate_json)")
    _timed(consumer, "_applied_before", "1 reader: waits for the batch before to be applied")
    _timed(consumer, "_apply", "2 batch applied (inbox, then acks), beside the reader")
    _timed(inbox, "process", "3 Inbox.process (transaction, commit)")
    _timed(inbox, "_lock_tracking", "4 inbox tracking: lock and read (one statement)")
    _timed(inbox, "_record", "4 inbox tracking: record (one statement)")
    _timed(inbox, "_handle", "5 inbox: open sealed fields, per event")
    _timed(sealing.BusKeys, "keys_for", "5 inbox: families' bus keys")
    _timed(inbox, "_apply_set_wise", "6 projector, per batch (fold and write)")
    _timed(events_base.Envelope, "event", "7 envelope.event(): validate payload")
    _timed(projector.Changes, "flush", "8 projector: set-wise writes")
    _timed(AsyncConnection, "execute", "9 AsyncConnection.execute (all SQL)")
    mix = generate(events)
    gc.collect()
    gc.freeze()  # as bench.run does: the mix in memory is the bench's, not the worker's
    async with redis_prefix() as prefix:
        await projection.publish(mix, prefix, "breakdown")
        if sqlite:
            with fresh_sqlite_file() as path:
                database = projection.sqlite(path)
                rate = await projection.ours(
                    database, mix, prefix, source="breakdown", group="b", batch=batch
                )
        else:
            async with fresh_pg_database() as db:
                database = projection.postgresql(db.url, db.dsn)
                rate = await projection.ours(
                    database, mix, prefix, source="breakdown", group="b", batch=batch
                )
    where = "SQLite" if sqlite else "PostgreSQL"
    _print(f"projection apply ({where}, batch {batch})", rate.events, rate.seconds)


async def breakdown_append(count: int, pre_ping: bool) -> None:
    _timed(store_module.EventStore, "append", "1 EventStore.append")
    _timed(store_module.EventStore, "_envelopes", "2 envelopes built (pydantic)")
    _timed(crypto.Keyring, "key_for_writing", "3 family key: SELECT (with the BEGIN)")
    _timed(store_module, "encrypt_payload", "4 encrypt personal fields")
    _timed(AsyncConnection, "execute", "5 AsyncConnection.execute (SQL through SQLAlchemy)")
    _timed(store_module, "_append_on_driver", "6 append statement on asyncpg (with the BEGIN)")
    async with fresh_pg_database() as db:
        engine = _engine(db.url, pre_ping)
        try:
            await create_schema(engine, kernel_metadata)
            await _append(engine, 200)  # warm-up: pool, prepared statements, caches
            SECONDS.clear()
            CALLS.clear()
            start = time.perf_counter()
            await _append(engine, count)
            seconds = time.perf_counter() - start
        finally:
            await engine.dispose()
    what_if = ", what-if: pool_pre_ping" if pre_ping else ""
    _print(f"event append (PostgreSQL, 1 writer{what_if})", count, seconds)
    print("  (the rest of each append: pool checkout, BEGIN, COMMIT, checkin)")


def _engine(url: str, pre_ping: bool) -> AsyncEngine:
    if not pre_ping:
        return create_engine(url)
    # shared.runtime.database.create_engine's arguments for PostgreSQL, plus the pre-ping.
    return create_async_engine(
        url,
        json_serializer=functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":")),
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
    )


async def _append(engine: AsyncEngine, count: int) -> None:
    store = append.service_store()
    cases = append.Cases()
    for _ in range(count):
        case_id, version = cases.next()
        async with engine.begin() as conn:
            await store.append(
                conn, cases.aggregate(case_id), version, [append.EVENT], append.METADATA
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("projection")
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--sqlite", action="store_true")
    a = sub.add_parser("append")
    a.add_argument("--events", type=int, default=2_000)
    a.add_argument("--what-if-pre-ping", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("bench", level="INFO", json=True)
    if args.what == "projection":
        asyncio.run(breakdown_projection(args.events, args.batch, args.sqlite))
    else:
        asyncio.run(breakdown_append(args.events, args.what_if_pre_ping))
    return 0


if __name__ == "__main__":
    sys.exit(main())
