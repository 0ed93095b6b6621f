"""The command line every service shares: `python -m services.<name> api|worker|all`.

- api: the HTTP API and the outbox relay;
- worker: the subscriptions (and the relay, for events the subscriptions write);
- all: both in one process (the embedded default of `make run`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import signal
import socket
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server
from sqlalchemy.exc import SQLAlchemyError

from shared.migrations.runner import SchemaNotAtHead
from shared.runtime.database import cannot_open, create_engine
from shared.runtime.logging import configure_logging, get_logger
from shared.runtime.service import ServiceRuntime
from shared.runtime.tracing import configure_tracing

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
    # Before the API and the bus are built: they add their tracing hooks only when it is on.
    configure_tracing(name, runtime.settings)
    problem = preflight(runtime, serves_http=args.mode != "worker")
    if problem is not None:
        # One line an operator can act on, instead of a traceback after a server started.
        print(problem, file=sys.stderr, flush=True)
        return 3
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


def port_problem(host: str, port: int, who: str, variable: str) -> str | None:
    """One Polish line if `port` cannot be listened on (taken by another program), or None."""
    with socket.socket() as probe:
        # As uvicorn binds: a port in TIME_WAIT after a stop is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            state = "zajęty" if exc.errno == errno.EADDRINUSE else "niedostępny"
            return (
                f"Port {port} {who} jest {state} ({host}): zatrzymaj program, który go używa "
                f"(np. poprzednie `make run`), albo ustaw {variable} na inny."
            )
    return None


def preflight(runtime: ServiceRuntime, *, serves_http: bool) -> str | None:
    """What stops this process from running, said in Polish with what to do: its port taken,
    its database unreachable, or its schema not at head. None when it can start."""
    settings = runtime.settings
    if serves_http:
        problem = port_problem(
            settings.host, settings.port, f"usługi {runtime.name}", f"{runtime.name.upper()}_PORT"
        )
        if problem is not None:
            return problem

    async def schema() -> None:
        engine = create_engine(settings.database_url, pooled=False)
        try:
            await runtime.prepare_schema(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(schema())
    except SchemaNotAtHead as exc:
        return str(exc)
    except (SQLAlchemyError, OSError) as exc:
        return cannot_open(runtime.name, settings.database_url, exc)
    return None


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
