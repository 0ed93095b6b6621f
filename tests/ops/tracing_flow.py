"""The flow the tracing tests follow: a command through the directory's API, published by its
relay, applied by reporting's consumer, on PostgreSQL and Redis. Run as a module, it follows it
with tracing off in a process of its own and prints what it saw as JSON (whether the SDK's
tracing or an exporter was imported, the global provider, the message headers, trace ids in
the log). redis-py (8) imports the SDK's metrics module by itself when the SDK is installed;
that part is not ours to avoid."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import Envelope
from shared.messaging.streams import events_stream
from shared.runtime.logging import configure_logging, get_logger
from shared.runtime.service import ServiceRuntime
from tests.ops.conftest import Pair, register_assistant, running_pair
from tests.waiting import eventually

HANDLED = "test.consumer_handled"

log = get_logger("tests.tracing")


def log_inside_the_handler(_directory: ServiceRuntime, reporting: ServiceRuntime) -> None:
    """Reporting's handler of the directory's events writes a log line before its work."""
    handler = reporting.subscriptions["directory"]

    async def logged(conn: AsyncConnection, envelope: Envelope) -> None:
        log.info(HANDLED, event_type=envelope.event_type)
        await handler(conn, envelope)

    reporting.subscriptions = {**reporting.subscriptions, "directory": logged}


def capture_log() -> io.StringIO:
    configure_logging("test", json=True)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return stream


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


async def handled_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in log_lines(stream) if line["event"] == HANDLED]


async def message_headers(pair: Pair, prefix: str) -> list[dict[str, Any]]:
    """The headers of every message on the directory's stream."""
    bus = pair.runtimes[0].bus
    assert bus is not None
    entries = await bus.redis.xrange(events_stream(prefix, "directory"))
    return [bus.broker.message_format.parse(fields[b"__data__"])[1] for _, fields in entries]


async def _untraced(urls: dict[str, str], redis_url: str, prefix: str, tmp: Path) -> None:
    stream = capture_log()
    monkeypatch = pytest.MonkeyPatch()
    async with running_pair(
        tmp,
        monkeypatch,
        redis_url,
        prefix,
        database_urls=urls,
        before_start=log_inside_the_handler,
    ) as pair:
        await register_assistant(pair)
        await eventually(lambda: handled_lines(stream), what="reporting's handler")
        headers = await message_headers(pair, prefix)
        middlewares = [type(m).__name__ for m in pair.runtimes[1].bus.broker.middlewares]  # type: ignore[union-attr]
    monkeypatch.undo()
    provider = None
    if "opentelemetry.trace" in sys.modules:
        from opentelemetry import trace

        provider = type(trace.get_tracer_provider()).__name__
    report = {
        "sdk_tracing_imported": any(
            name.startswith(("opentelemetry.sdk.trace", "opentelemetry.exporter"))
            for name in sys.modules
        ),
        "provider": provider,
        "headers": sorted({key for h in headers for key in h}),
        "messages": len(headers),
        "log_lines_with_trace_id": sum("trace_id" in line for line in log_lines(stream)),
        "log_lines": len(log_lines(stream)),
        "middlewares": middlewares,
    }
    print(json.dumps(report), file=sys.__stdout__, flush=True)


if __name__ == "__main__":
    directory_url, reporting_url, redis, stream_prefix, tmp_dir = sys.argv[1:]
    asyncio.run(
        _untraced(
            {"directory": directory_url, "reporting": reporting_url},
            redis,
            stream_prefix,
            Path(tmp_dir),
        )
    )
