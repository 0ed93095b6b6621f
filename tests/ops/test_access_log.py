"""An access-log line per request (route template, status, duration, role, subject,
correlation id; no query string or body) and a 500 that logs nothing a caller sent."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from shared.runtime.database import create_engine
from shared.runtime.logging import configure_logging
from shared.web.auth import Role, TokenVerifier
from shared.web.http import create_app
from tests.ops.conftest import Pair

PESEL = "44051401359"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    configure_logging("test", json=True)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


async def test_a_request_leaves_one_line_with_its_route_template_and_caller(
    pair: Pair, log_lines: io.StringIO
) -> None:
    missing = uuid.uuid4()
    response = await pair.directory.get(
        f"/assistants/{missing}?q={PESEL}", headers={"X-Correlation-ID": "corr-1"}
    )
    assert response.status_code == 404
    anonymous = await pair.directory.get("/assistants", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert (await pair.directory.get("/no/such/path/123")).status_code == 404
    assert (await pair.directory.get("/metrics")).status_code == 200

    access = [line for line in lines(log_lines) if line["event"] == "http.request"]
    assert len(access) == 3  # /metrics at DEBUG
    first, second, unmatched = access
    assert first["method"] == "GET"
    assert first["route"] == "/assistants/{assistant_id}"
    assert first["status"] == 404
    assert first["duration_ms"] >= 0
    assert first["role"] == Role.HEAD.value
    assert first["subject"] == "head-ochota"
    assert first["correlation_id"] == "corr-1"
    assert first["service"] == "test"
    assert (second["route"], second["status"], second["role"]) == ("/assistants", 401, None)
    assert second["correlation_id"]
    assert (unmatched["route"], unmatched["status"]) == ("<unmatched>", 404)
    text = log_lines.getvalue()
    assert str(missing) not in text and PESEL not in text


def _failing_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    app = create_app(
        title="test",
        description="",
        lifespan=lifespan,
        token_verifier=TokenVerifier(secret="x" * 40, public_key=None, audience="asysta"),
        service="test",
    )

    @app.post("/boom/{item}")
    async def boom(item: str, body: dict[str, str]) -> None:
        raise RuntimeError(f"INSERT failed [parameters: ('{body['pesel']}', '{item}')]")

    return app


async def test_a_server_error_logs_the_type_and_correlation_id_only(
    log_lines: io.StringIO,
) -> None:
    transport = httpx.ASGITransport(app=_failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(
            "/boom/Kowalska", json={"pesel": PESEL}, headers={"X-Correlation-ID": "corr-500"}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/internal-error")
    text = log_lines.getvalue()
    assert PESEL not in text and "Kowalska" not in text and "parameters" not in text
    errors = [line for line in lines(log_lines) if line["event"] == "http.unexpected_error"]
    assert errors == [
        {
            "event": "http.unexpected_error",
            "error_type": "RuntimeError",
            "correlation_id": "corr-500",
            "service": "test",
            "level": "error",
            "timestamp": errors[0]["timestamp"],
        }
    ]
    access = [line for line in lines(log_lines) if line["event"] == "http.request"]
    assert [(a["route"], a["status"]) for a in access] == [("/boom/{item}", 500)]


async def test_database_errors_do_not_carry_the_values(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    table = Table("people", MetaData(), Column("pesel", String(11), primary_key=True))
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
        await conn.execute(insert(table).values(pesel=PESEL))
    with pytest.raises(IntegrityError) as caught:
        async with engine.begin() as conn:
            await conn.execute(insert(table).values(pesel=PESEL))
    await engine.dispose()
    assert "hidden" in str(caught.value) and PESEL not in str(caught.value)
