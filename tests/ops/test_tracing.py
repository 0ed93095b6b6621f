"""OpenTelemetry traces (ASYSTA_TRACING): with tracing on, one trace from a command's HTTP
request through the outbox and the stream to the consumer that applies its event, the log lines
inside carrying its ids; with tracing off, nothing recorded, no provider set, and neither the
SDK's tracing nor an exporter imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.events import AssistantRegistered
from shared.eventstore import Aggregate, EventMetadata, EventStore, kernel_metadata
from shared.messaging.streams import events_stream
from shared.runtime import tracing
from shared.runtime.database import create_engine, create_schema
from shared.runtime.settings import ServiceSettings
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database
from tests.integration.kit import envelope
from tests.ops.conftest import register_assistant, running_pair
from tests.ops.tracing_flow import (
    capture_log,
    handled_lines,
    log_inside_the_handler,
    log_lines,
    message_headers,
)
from tests.waiting import eventually

ROOT = Path(__file__).parents[2]


@pytest.fixture
async def databases() -> AsyncIterator[dict[str, str]]:
    names = {service: await create_pg_database() for service in ("directory", "reporting")}
    yield {service: f"{PG_HOST_URL}/{name}" for service, name in names.items()}
    for name in names.values():
        await drop_pg_database(name)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    monkeypatch.setenv("ASYSTA_TRACING", "true")
    monkeypatch.setenv("ASYSTA_TRACING_SERVICE_NAME", "asysta-test")
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing("test", ServiceSettings(), exporter=exporter)
    yield exporter
    tracing.stop_tracing()


def _hex(value: int, width: int) -> str:
    return f"{value:0{width}x}"


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        ancestor = by_id[parent.span_id]
        names.append(ancestor.name)
        parent = ancestor.parent
    return names


async def test_one_trace_from_the_request_to_the_consumer(
    spans: InMemorySpanExporter,
    databases: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    stream_prefix: str,
) -> None:
    stream = capture_log()
    async with running_pair(
        tmp_path,
        monkeypatch,
        redis_url,
        stream_prefix,
        database_urls=databases,
        before_start=log_inside_the_handler,
    ) as pair:
        await register_assistant(pair)

        async def applied() -> list[ReadableSpan]:
            return [
                s for s in spans.get_finished_spans() if s.name == "AssistantRegistered process"
            ]

        (consumed,) = await eventually(applied, what="reporting's span for the event")
        (handled,) = await eventually(lambda: handled_lines(stream), what="the handler's line")
        headers = await message_headers(pair, stream_prefix)

    finished = list(spans.get_finished_spans())
    (server,) = [s for s in finished if s.name == "POST /assistants"]
    assert server.kind == SpanKind.SERVER
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/assistants"
    assert server.attributes["http.response.status_code"] == 201
    assert server.resource.attributes["service.name"] == "asysta-test"
    trace_id = server.context.trace_id

    # The consumer's span is in the request's trace, below the relay's publication of the event.
    assert consumed.context.trace_id == trace_id
    assert consumed.kind == SpanKind.CONSUMER
    assert consumed.attributes is not None
    assert consumed.attributes["messaging.consumer.group.name"] == "reporting"
    assert consumed.status.status_code != StatusCode.ERROR
    by_id = {s.context.span_id: s for s in finished}
    directory_stream = events_stream(stream_prefix, "directory")
    assert _ancestors(consumed, by_id) == [f"{directory_stream} create", "POST /assistants"]
    published = [s for s in finished if s.name == f"{directory_stream} publish"]
    assert [s.context.trace_id for s in published] == [trace_id]
    # The relay's batch and the batch the consumer read have spans too, each a trace of its own
    # (a batch mixes many requests' events); the read batch's root links to the request's trace.
    (relayed,) = [s for s in finished if s.name == "outbox relay"]
    assert relayed.context.trace_id != trace_id
    (batch,) = [s for s in finished if s.name == f"{directory_stream} process"]
    assert batch.context.trace_id != trace_id
    (received,) = [
        s
        for s in finished
        if s.name == f"{directory_stream} create" and s.kind == SpanKind.CONSUMER
    ]
    assert batch.parent is not None and batch.parent.span_id == received.context.span_id
    assert [link.context.trace_id for link in received.links] == [trace_id]
    # The message carried the context in its headers.
    assert [h["traceparent"].split("-")[1] for h in headers] == [_hex(trace_id, 32)]

    # The line the handler wrote carries the consumer span's ids; the access line the request's.
    assert handled["trace_id"] == _hex(trace_id, 32)
    assert handled["span_id"] == _hex(consumed.context.span_id, 16)
    (access,) = [line for line in log_lines(stream) if line["event"] == "http.request"]
    assert access["trace_id"] == _hex(trace_id, 32)
    assert access["span_id"] == _hex(server.context.span_id, 16)

    # No personal data in any span: the assistant's name went nowhere.
    for span in finished:
        assert "Asystentka" not in json.dumps(dict(span.attributes or {}), default=str)


async def test_tracing_off_records_nothing_and_imports_no_sdk(
    databases: dict[str, str], tmp_path: Path, redis_url: str, stream_prefix: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASYSTA_TRACING", "OTEL_"))}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(  # noqa: ASYNC221  (a child process with a clean interpreter)
        [
            sys.executable,
            "-m",
            "tests.ops.tracing_flow",
            databases["directory"],
            databases["reporting"],
            redis_url,
            stream_prefix,
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["sdk_tracing_imported"] is False
    assert report["provider"] in (None, "ProxyTracerProvider")
    assert report["messages"] == 1
    assert "traceparent" not in report["headers"]
    assert report["log_lines"] > 0
    assert report["log_lines_with_trace_id"] == 0
    assert "RedisTelemetryMiddleware" not in report["middlewares"]


async def test_an_event_a_consumer_stores_continues_the_trace_it_was_applied_in(
    spans: InMemorySpanExporter, pg_url: str
) -> None:
    """A handler's own events (casework opening a case on a grant) keep the consumer span's
    context in the outbox, so the next consumers join the same trace; outside a span, none."""
    engine = create_engine(pg_url)
    await create_schema(engine, kernel_metadata)
    store = EventStore()
    trace_id, parent_id = "ab" * 16, "cd" * 8
    event = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district="1465068",
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )

    async def append() -> None:
        async with engine.begin() as conn:
            await store.append(
                conn,
                Aggregate("assistant", uuid.uuid4(), "1465068"),
                0,
                [event],
                EventMetadata(actor="t", correlation_id="c"),
            )

    applied = envelope(uuid.uuid4(), 1)
    with tracing.event_span("casework", applied, f"00-{trace_id}-{parent_id}-01"):
        await append()
    await append()  # outside any span
    async with engine.connect() as conn:
        inside, outside = await store.outbox_batch(conn, 10)
    await engine.dispose()

    (consumed,) = spans.get_finished_spans()
    assert consumed.parent is not None and _hex(consumed.parent.span_id, 16) == parent_id
    assert inside.traceparent == f"00-{trace_id}-{_hex(consumed.context.span_id, 16)}-01"
    assert outside.traceparent is None
