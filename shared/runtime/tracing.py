"""OpenTelemetry traces, optional (ASYSTA_TRACING, off by default).

When on, one trace follows a command from its HTTP request through the outbox and the stream
to every consumer that applies its events:
- the API's `TracingMiddleware` (shared/web/tracing.py) opens a server span per request, named
  by the method and the route template (never the path or its query string, which may hold a
  PESEL), continuing a caller's `traceparent` header when one comes;
- the event store keeps the current `traceparent` on each outbox row it writes
  (`current_traceparent`), so the relay, later and in another task, publishes each event inside
  the trace that stored it (`publishing`): faststream's telemetry middleware opens its create
  and publish spans there and puts the context in the message's headers;
- the relay's batch has a span of its own (`span`), the parent of the events stored without a
  context (a history republished after Redis lost its data);
- faststream's middleware opens a span per batch a subscriber reads (a trace of its own, as a
  batch mixes many requests, whose root links to each message's trace), and the inbox a span
  per event it applies
  (`event_span`), a child of the context the event travelled with: the consumer's part of the
  request's trace, whose log lines carry its ids (shared/runtime/logging.py).

When off, nothing here imports OpenTelemetry's SDK, and each hook costs a test of one global.
The SDK's provider is this module's and is handed to what uses it (faststream's middleware); it
is never made OpenTelemetry's global one, so nothing instruments itself behind our back:
FastAPI's own telemetry (0.165+), which would put the query string (`?pesel=`) in its server
span and exception messages in its log records, stays off (shared/web/http.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from shared.events import Envelope
    from shared.runtime.settings import ServiceSettings

TRACEPARENT = "traceparent"

_NOTHING: AbstractContextManager[None] = contextlib.nullcontext()


class _Tracing:
    def __init__(self, provider: TracerProvider, service_name: str) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.provider = provider
        self.service_name = service_name
        self.tracer = provider.get_tracer("asysta")
        self.propagator = TraceContextTextMapPropagator()


_active: _Tracing | None = None


def enabled() -> bool:
    return _active is not None


def configure_tracing(
    service: str, settings: ServiceSettings, *, exporter: SpanExporter | None = None
) -> bool:
    """Start tracing for this process if the settings ask for it; True if they did.
    `exporter`: where the spans go instead of the OTLP collector (a test's in-memory exporter),
    each as it ends."""
    global _active
    if not settings.tracing:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    name = settings.tracing_service_name or f"asysta-{service}"
    provider = TracerProvider(
        resource=Resource.create({"service.name": name}),
        sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)),
    )
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.tracing_endpoint))
        )
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    stop_tracing()
    _active = _Tracing(provider, name)
    return True


def stop_tracing() -> None:
    """Flush and stop this module's provider (a test's end; exit does it by itself)."""
    global _active
    if _active is not None:
        _active.provider.shutdown()
        _active = None


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, to store beside what it causes later."""
    if _active is None:
        return None
    carrier: dict[str, str] = {}
    _active.propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def current_ids() -> tuple[str, str] | None:
    """The current span's trace id and span id, in hex, or None outside a span."""
    if _active is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def publishing(traceparent: str | None) -> AbstractContextManager[Any]:
    """Inside: the context of `traceparent` is the current one (an event published in the
    trace of the request that stored it)."""
    if _active is None or traceparent is None:
        return _NOTHING
    return _attached(_active.propagator.extract({TRACEPARENT: traceparent}))


@contextlib.contextmanager
def _attached(ctx: Any) -> Any:
    from opentelemetry import context

    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)


def span(name: str, attributes: Mapping[str, str | int]) -> AbstractContextManager[Any]:
    """A span of ours, a child of the current one (or a new trace's root)."""
    if _active is None:
        return _NOTHING
    return _active.tracer.start_as_current_span(name, attributes=dict(attributes))


def server_span(method: str, headers: Mapping[str, str]) -> AbstractContextManager[Any]:
    """An HTTP request's span, continuing the caller's trace if its headers carry one."""
    if _active is None:
        return _NOTHING
    from opentelemetry.trace import SpanKind

    return _active.tracer.start_as_current_span(
        method,
        context=_active.propagator.extract(dict(headers)),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": method},
    )


def event_span(
    consumer: str, envelope: Envelope, traceparent: str | None
) -> AbstractContextManager[Any]:
    """A consumer's span for applying one event, a child of the context it travelled with."""
    if _active is None:
        return _NOTHING
    from opentelemetry.trace import SpanKind

    parent = _active.propagator.extract({TRACEPARENT: traceparent}) if traceparent else None
    return _active.tracer.start_as_current_span(
        f"{envelope.event_type} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "redis",
            "messaging.operation": "process",
            "messaging.consumer.group.name": consumer,
            "messaging.message.id": str(envelope.event_id),
            "asysta.event_type": envelope.event_type,
            "asysta.aggregate_type": envelope.aggregate_type,
            "asysta.aggregate_version": envelope.aggregate_version,
        },
    )


def broker_middlewares() -> list[Any]:
    """faststream's telemetry middleware on this module's provider, when tracing is on."""
    if _active is None:
        return []
    from faststream.redis.opentelemetry import RedisTelemetryMiddleware

    return [RedisTelemetryMiddleware(tracer_provider=_active.provider)]
