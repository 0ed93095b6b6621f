"""`make bench`: every measurement, ours against the raw limit, in one run on this machine.

Prints the table to stdout (progress and the services' own log lines go to stderr) and writes
the same figures to .asysta/bench-latest.json; then the web pages' section (`bench.web`: the
assistant's family list and the head's desk against their API calls alone), unless
`--skip-web`. Options: `--help`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import redis.asyncio as aioredis

from bench import append, projection, rebuild, relay, web
from bench.events import EventMix, generate
from bench.infra import (
    PG_ADMIN_DSN,
    REDIS_URL,
    fresh_pg_database,
    fresh_sqlite_file,
    redis_prefix,
    retry_on_interference,
)
from bench.report import Comparison, table, write_json
from bench.timing import Rate
from services.reporting.application.rebuild import PAGE_SIZE as FEED_PAGE
from shared.runtime.logging import configure_logging

APPEND_WRITERS = (1, 8)
RAW_DRAINS = 3  # faststream raw drains before the first and after every round of ours
BUSY_LOAD = 1.0  # 1-minute load average above which the machine is not quiet (2 cores)


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def _machine() -> dict[str, Any]:
    """What the raw limits depend on: cores, server versions, PostgreSQL's commit settings."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        pg = {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("server_version", "fsync", "synchronous_commit")
        }
    finally:
        await conn.close()
    client = aioredis.from_url(REDIS_URL)
    try:
        redis_version = (await client.info("server"))["redis_version"]
    finally:
        await client.aclose()
    return {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": pg,
        "redis": redis_version,
    }


async def bench_append(seconds: float, rounds: int) -> list[Comparison]:
    results = []
    for writers in APPEND_WRITERS:
        label = "1 writer" if writers == 1 else f"{writers} writers"
        _progress(f"event append, {label}: {rounds} rounds of {seconds:g} s each side")
        ours, raw = await append.compare(writers, seconds, rounds)
        results.append(
            Comparison(
                f"event append (PostgreSQL, {label})",
                ours,
                f"asyncpg INSERT, 1 row/tx, {writers} conn",
                raw,
            )
        )
    return results


async def bench_relay(mix: EventMix, rounds: int) -> Comparison:
    async with redis_prefix() as prefix:
        _progress(f"relay publish of {len(mix.envelopes):,} events: {rounds} rounds")
        ours, raw = await relay.compare(mix.envelopes, prefix, rounds)
    raw_label = f"redis-py XADD pipelined x{relay.PIPELINE}"
    return Comparison("relay publish (PostgreSQL -> Redis)", ours, raw_label, raw)


class _PublishedMix:
    """The mix on a stream; published again, under a new name, if another client wipes it."""

    def __init__(self, mix: EventMix, prefix: str) -> None:
        self.mix = mix
        self.prefix = prefix
        self.generation = 0
        self.source = ""

    async def publish(self) -> None:
        self.generation += 1
        self.source = f"bench{self.generation}"
        _progress(f"projection: publishing {len(self.mix.envelopes):,} events")
        await projection.publish(self.mix, self.prefix, self.source)

    async def measure(self, run: Callable[[str], Awaitable[Rate]]) -> Rate:
        """`run(source)`, repeated on a fresh copy of the stream if the stream was lost."""
        return await retry_on_interference(lambda: run(self.source), before_retry=self.publish)


async def bench_projection(
    mix: EventMix, *, batch: int, rounds: int, sqlite: bool
) -> list[Comparison]:
    """Raw drains bracket every round of ours: raw, ours (PostgreSQL, SQLite), raw, ...

    Each run reads the whole stream in a consumer group of its own; each run of ours writes
    into a fresh database."""
    raws: list[Rate] = []
    pg_runs: list[Rate] = []
    sqlite_runs: list[Rate] = []
    groups = itertools.count()
    async with redis_prefix() as prefix:
        stream = _PublishedMix(mix, prefix)
        await stream.publish()

        async def drain_raw() -> None:
            # A raw drain lasts about a second: several at each point steady the median.
            _progress(f"projection: faststream raw drains x{RAW_DRAINS}")
            for _ in range(RAW_DRAINS):
                raws.append(
                    await stream.measure(
                        lambda source: projection.raw(
                            mix, prefix, source=source, group=f"raw-{next(groups)}", batch=batch
                        )
                    )
                )

        async def on_postgresql(source: str) -> Rate:
            async with fresh_pg_database() as db:
                database = projection.postgresql(db.url, db.dsn)
                return await projection.ours(
                    database, mix, prefix, source=source, group=f"pg-{next(groups)}", batch=batch
                )

        async def on_sqlite(source: str) -> Rate:
            with fresh_sqlite_file() as path:
                database = projection.sqlite(path)
                return await projection.ours(
                    database, mix, prefix, source=source, group=f"lite-{next(groups)}", batch=batch
                )

        await drain_raw()
        for i in range(rounds):
            _progress(f"projection apply: ours on PostgreSQL {i + 1}/{rounds}")
            pg_runs.append(await stream.measure(on_postgresql))
            if sqlite:
                _progress(f"projection apply: ours on SQLite {i + 1}/{rounds}")
                sqlite_runs.append(await stream.measure(on_sqlite))
            await drain_raw()
    raw_label = f"faststream raw batch drain (batch {batch})"
    results = [
        Comparison(f"projection apply (PostgreSQL, batch {batch})", pg_runs, raw_label, raws)
    ]
    if sqlite:
        results.append(
            Comparison(f"projection apply (SQLite, batch {batch})", sqlite_runs, raw_label, raws)
        )
    return results


async def bench_rebuild(mix: EventMix, rounds: int) -> Comparison:
    ours, raw = await rebuild.compare(mix, rounds, _progress)
    return Comparison(
        f"rebuild (feed over HTTP, pages of {FEED_PAGE:,}, swap; PostgreSQL)",
        ours,
        "asyncpg fetch of the events table + JSON decode",
        raw,
    )


def rebuild_lines(comparison: Comparison) -> str:
    return (
        f"rebuild: {comparison.ours:,.0f} events/s against {comparison.raw:,.0f} events/s raw "
        f"(ratio {comparison.ratio:.3f}, goal 0.3); a 10-year, 18-district history "
        f"({rebuild.CITY_HISTORY:,} events: {rebuild.EVENTS_PER_DISTRICT_YEAR:,} per district "
        f"and year) would take {rebuild.city_history_time(comparison.ours)}"
    )


async def main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    machine = await _machine()
    if machine["load_average_at_start"][0] > BUSY_LOAD:
        _progress(
            f"warning: load average {machine['load_average_at_start'][0]} before starting; "
            "other work on this machine lowers and scatters the figures"
        )
    skip_append = args.only_rebuild or args.only_projection
    comparisons = [] if skip_append else await bench_append(args.append_seconds, args.rounds)
    _progress(f"generating {args.events:,} events")
    mix = generate(args.events)
    # The bench holds every envelope in memory, a worker does not: keep them out of the
    # collector's full passes, which would slow both sides by the bench's own bookkeeping.
    gc.collect()
    gc.freeze()
    if not args.only_rebuild:
        if not args.only_projection:
            comparisons.append(await bench_relay(mix, args.rounds))
        # The workers' default batch (1000) and a small one (100, what a lightly loaded
        # stream gives), each against the raw drain at the same batch.
        for batch in _batches(args.batch):
            comparisons += await bench_projection(
                mix, batch=batch, rounds=args.projection_rounds, sqlite=not args.skip_sqlite
            )
    rebuilt = None
    if not (args.skip_rebuild or args.only_projection):
        rebuilt = await bench_rebuild(mix, args.rebuild_rounds)
        comparisons.append(rebuilt)
    parameters = {
        "events": args.events,
        "aggregates": mix.aggregates,
        "event_types": dict(sorted(mix.by_type.items())),
        "batch": _batches(args.batch),
        "append_seconds": args.append_seconds,
        "rounds": args.rounds,
        "projection_rounds": args.projection_rounds,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    pg = machine["postgresql"]
    header = (
        f"Asysta bench: {machine['cpus']} CPUs, Python {machine['python']}, "
        f"PostgreSQL {pg['server_version'].split()[0]} (fsync={pg['fsync']}, "
        f"synchronous_commit={pg['synchronous_commit']}), Redis {machine['redis']}; "
        f"load average {machine['load_average_at_start'][0]} at start, "
        f"{machine['load_average_at_end'][0]} at end\n"
        f"{args.events:,} events over {mix.aggregates:,} aggregates for relay and projection; "
        "ratio = ours / raw (higher is better, 1.0 = the machine's limit)"
    )
    print(table(comparisons, header))
    if rebuilt is not None:
        print(rebuild_lines(rebuilt))
    path = write_json(comparisons, machine, parameters)
    print(f"\n(written to {path}; whole run {parameters['wall_seconds']} s)")
    return 0


def _batches(spec: str) -> list[int]:
    return [int(part) for part in spec.split(",") if part.strip()]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="events for relay/projection")
    parser.add_argument(
        "--batch", default="100,1000", help="consumer batches (max_records), comma-separated"
    )
    parser.add_argument(
        "--append-seconds", type=float, default=2.0, help="length of one append round"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of each side for append and relay"
    )
    parser.add_argument(
        "--projection-rounds",
        type=int,
        default=2,
        help=f"rounds of ours per database (raw: {RAW_DRAINS} drains around each)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="projection on PostgreSQL only")
    parser.add_argument(
        "--skip-web",
        action="store_true",
        help="without the web pages' section (bench.web: a few minutes to make its district)",
    )
    parser.add_argument("--web-requests", type=int, default=60, help="rounds per web page")
    parser.add_argument(
        "--web-small", action="store_true", help="the web section at its smoke-test size"
    )
    parser.add_argument(
        "--rebuild-rounds", type=int, default=2, help="rounds of the rebuild (raw reads around)"
    )
    parser.add_argument("--skip-rebuild", action="store_true", help="no rebuild measurement")
    parser.add_argument("--only-rebuild", action="store_true", help="the rebuild measurement alone")
    parser.add_argument(
        "--only-projection",
        action="store_true",
        help="the projection apply alone (no append, relay or rebuild)",
    )
    return parser.parse_args(argv)


def run_all(args: argparse.Namespace) -> int:
    code = asyncio.run(main(args))
    if code or args.skip_web or args.only_rebuild or args.only_projection:
        return code
    # The web pages (bench.web) after the rates: it starts the suite as processes, with event
    # loops of its own, and adds its figures under "web" to what main() wrote.
    print()
    return web.main(
        web.parse(["--small"] if args.web_small else ["--requests", str(args.web_requests)])
    )


if __name__ == "__main__":
    # Logged as a service logs by default (INFO, JSON, to stderr), so that cost is included.
    configure_logging("bench", level="INFO", json=True)
    sys.exit(run_all(parse()))
