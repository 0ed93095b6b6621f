"""The processes run on the C parts of the stack: uvloop's event loop (the APIs through
uvicorn's "auto", the workers and the rebuild through shared/runtime/loop.py), httptools'
HTTP parser in uvicorn, hiredis' reply parser in redis-py. Each falls back silently to its
pure-Python counterpart when missing, so a lock file that lost one would only show as CPU:
these tests say it at once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import uvloop
from fastapi import FastAPI
from redis.asyncio import connection as async_connection
from redis.asyncio.client import Redis
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.runtime.loop import loop_factory, run
from shared.runtime.main import _uvicorn_config
from shared.runtime.service import ServiceRuntime


def test_long_running_processes_run_on_uvloop() -> None:
    assert loop_factory() is uvloop.new_event_loop

    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    assert isinstance(run(running_loop()), uvloop.Loop)


def test_the_apis_serve_with_uvloop_and_httptools() -> None:
    runtime = SimpleNamespace(settings=SimpleNamespace(host="127.0.0.1", port=0))
    config = _uvicorn_config(FastAPI(), cast(ServiceRuntime, runtime))
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.get_loop_factory() is uvloop.new_event_loop


def test_redis_replies_are_parsed_by_hiredis() -> None:
    client = Redis.from_url("redis://127.0.0.1:1/0")  # never connected
    connection_kwargs: dict[str, Any] = client.connection_pool.connection_kwargs
    parser = connection_kwargs.get("parser_class", async_connection.DefaultParser)
    assert parser is async_connection._AsyncHiredisParser
