"""Tracing on, the suite as processes (API and workers apart) exporting to an OTLP/HTTP
collector of the test's: the directory's request and the consumers' spans in casework's and
reporting's workers are one trace, and the directory's log lines carry its id."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from suite.embedded_redis import free_port
from suite.scenario import wait_for
from tests.e2e.conftest import RunningSuite

pytestmark = pytest.mark.e2e

OCHOTA = "1465068"
COLLECTOR_PORT = free_port()
SUITE_ENV = {
    "ASYSTA_TRACING": "true",
    "ASYSTA_TRACING_ENDPOINT": f"http://127.0.0.1:{COLLECTOR_PORT}/v1/traces",
    "OTEL_BSP_SCHEDULE_DELAY": "200",
}


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", COLLECTOR_PORT), _Handler)
        self.spans: list[ReceivedSpan] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            service = next(
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                received += [
                    ReceivedSpan(
                        service,
                        span.name,
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                    )
                    for span in scope_spans.spans
                ]
        with self.server.lock:
            self.server.spans += received
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_one_trace_across_the_processes(collector: Collector, running_suite: RunningSuite) -> None:
    head = running_suite.client().head(OCHOTA)
    response = head.call(
        "directory",
        "POST",
        "/assistants",
        json={
            "first_name": "Agnieszka",
            "last_name": "Wiśniewska",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    )
    assert response.status_code == 201, response.text

    def server_span() -> ReceivedSpan | None:
        with collector.lock:
            found = [
                s
                for s in collector.spans
                if s.service == "asysta-directory" and s.name == "POST /assistants"
            ]
        return found[0] if found else None

    request = wait_for("the directory's request span", server_span)

    def consumed() -> set[str] | None:
        with collector.lock:
            services = {
                s.service
                for s in collector.spans
                if s.trace_id == request.trace_id and s.name == "AssistantRegistered process"
            }
        return services if {"asysta-casework", "asysta-reporting"} <= services else None

    wait_for("casework's and reporting's spans in the request's trace", consumed)
    with collector.lock:
        in_trace = [s for s in collector.spans if s.trace_id == request.trace_id]
    assert {s.parent_id for s in in_trace if s.name == "AssistantRegistered process"} <= {
        s.span_id for s in in_trace
    }
    directory_log = (running_suite.logs / "directory.log").read_text(errors="replace")
    access = [
        json.loads(line)
        for line in directory_log.splitlines()
        if line.startswith("{") and '"http.request"' in line and '"POST"' in line
    ]
    assert [line["trace_id"] for line in access] == [request.trace_id]
