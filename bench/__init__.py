"""Benchmarks: each of our rates as a ratio against the raw limit of the same machine.

`make bench` (`.venv/bin/python -m bench.run`) measures, in one run and on this machine:

- event append: `EventStore.append` in `engine.begin()` (one event per transaction, as
  the unit of work does) against a bare asyncpg INSERT of one row per transaction into
  the same `events` table; with 1 and with 8 concurrent writers;
- relay publish: `OutboxRelay.publish_pending` draining stored events to Redis against
  redis-py XADD pipelined x500 of the very bytes the relay wrote;
- projection apply: reporting's projector behind `Inbox` and `StreamConsumer` (the real
  consumer path) against a faststream batch subscriber that only acks, on the same stream
  content; on PostgreSQL and, separately, on SQLite.

`make bench-load` (`python -m bench.load`) measures the whole path from outside: the suite as
processes under `wrk` at stepped rates against a bare FastAPI + asyncpg endpoint
(`bench.reference`), with the command-to-report lag and CPU per command per process; and
`python -m bench.history` a command's CPU against its case's history, with and without
snapshots. `make bench-web` (`python -m bench.web`, also the last section of `make bench`)
times the assistant's family list and the head's desk through the web app against the same
API calls made directly, on a district of 15 assistants × 15 families with a year of history.

Speed is never asserted: the run prints a table and writes the same figures as JSON to
`.asysta/bench-latest.json` (`.asysta/` is gitignored, so results stay local).

Needs PostgreSQL and Redis as the tests do (`ASYSTA_BENCH_PG_DSN`, `ASYSTA_BENCH_REDIS_URL`
override the defaults). Every run uses fresh databases and a fresh Redis key prefix and
removes them afterwards.
"""
