"""The command line every service shares: `python -m services.<name> api|worker|all`.

- api: the HTTP API and the outbox relay;
- worker: the subscriptions (and the relay, for events the subscriptions write);
- all: both in one process (the embedded default of `make run`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server

from shared.runtime.logging import configure_logging, get_logger
from shared.runtime.service import ServiceRuntime

log = get_logger(__name__)


def main(
    name: str,
    build_runtime: Callable[[], ServiceRuntime],
    build_api: Callable[[ServiceRuntime, bool, bool], FastAPI],
    extra_commands: dict[str, Callable[[list[str]], int]] | None = None,
    argv: list[str] | None = None,
) -> int:
    extra_commands = extra_commands or {}
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("mode", choices=["api", "worker", "all", *extra_commands])
    args, rest = parser.parse_known_args(argv)
    if args.mode in extra_commands:
        return extra_commands[args.mode](rest)
    runtime = build_runtime()
    configure_logging(name, level=runtime.settings.log_level, json=runtime.settings.log_json)
    if args.mode == "worker":
        asyncio.run(_run_worker(runtime))
        return 0
    app = build_api(runtime, True, args.mode == "all")
    config = uvicorn.Config(
        app,
        host=runtime.settings.host,
        port=runtime.settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    # uvicorn re-raises the signal after a graceful shutdown.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


async def _run_worker(runtime: ServiceRuntime) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if runtime.settings.metrics_port is not None:
        start_http_server(runtime.settings.metrics_port)
    await runtime.start(relay=True, worker=True)
    try:
        await stop.wait()
    finally:
        log.info("service.stopping")
        await runtime.stop()
