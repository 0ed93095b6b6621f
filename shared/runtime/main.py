"""The command line every service shares: `python -m services.<name> api|worker|all`.

- api: the HTTP API and the outbox relay;
- worker: the subscriptions (and the relay, for events the subscriptions write);
- all: both in one process (the embedded default of `make run`).

`api` with ASYSTA_API_WORKERS=N above 1 serves one port from N processes (see
`_serve_api_workers`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import errno
import gc
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

import structlog
import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server
from sqlalchemy.exc import SQLAlchemyError

from shared.migrations.runner import SchemaNotAtHead
from shared.runtime.database import cannot_open, create_engine
from shared.runtime.logging import configure_logging, get_logger
from shared.runtime.loop import run as run_on_fast_loop
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
        _freeze_startup_objects()
        # uvloop, as uvicorn runs the API modes (shared/runtime/loop.py).
        run_on_fast_loop(_run_worker(runtime))
        return 0
    workers = runtime.settings.api_workers
    if workers > 1:
        if args.mode != "api":
            # Subscriptions in every process would be N consumers under one consumer name.
            print(
                f"ASYSTA_API_WORKERS={workers} działa tylko w trybie api (procesy workera "
                "uruchom osobno): ustaw ASYSTA_API_WORKERS=1 albo uruchom tryb api.",
                file=sys.stderr,
                flush=True,
            )
            return 3
        return _serve_api_workers(runtime, build_api, workers)
    app = build_api(runtime, True, args.mode == "all")
    _freeze_startup_objects()
    # uvicorn re-raises the signal after a graceful shutdown.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(_uvicorn_config(app, runtime)).run()
    return 0


def _freeze_startup_objects() -> None:
    """What the imports and the app's construction made (modules, schemas, routes: hundreds of
    thousands of objects, kept for the process's life) out of the collector's full passes:
    each pass traversed them all again, and a request handling thousands of rows (a feed's
    page) triggers passes often (measured: up to a quarter of the feed's CPU)."""
    gc.collect()
    gc.freeze()


def _uvicorn_config(app: FastAPI, runtime: ServiceRuntime) -> uvicorn.Config:
    # loop and http stay uvicorn's "auto": uvloop and httptools (dependencies), the C event loop
    # and HTTP parser, instead of asyncio's loop and h11 (tests/unit/test_runtime_loop.py).
    return uvicorn.Config(
        app,
        host=runtime.settings.host,
        port=runtime.settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


# A process that dies this soon after it was started failed to start (a bug, a setting, its
# database or Redis refusing it): starting it again would fail again, so the group stops and
# the orchestrator (systemd, Kubernetes) sees the service down. One that dies later (killed by
# the OOM killer, a crash in a library) is started again: the other processes kept serving.
START_GRACE_SECONDS = 10.0


def _serve_api_workers(
    runtime: ServiceRuntime,
    build_api: Callable[[ServiceRuntime, bool, bool], FastAPI],
    workers: int,
) -> int:
    """Serve the API from `workers` processes on one port, as `uvicorn --workers` does.

    The parent binds the listening socket once and forks the processes; each builds its own
    app (its own event loop, pool of connections, relay) and accepts on the shared socket; the
    kernel hands each connection to one of them. The parent only supervises: SIGTERM or SIGINT
    is passed on to every process as SIGTERM (a graceful stop: requests in flight are
    answered, the relay publishes what is waiting and releases its lease), and the parent exits
    when they have all stopped. A process that dies is logged with its exit status and started
    again, unless it died within START_GRACE_SECONDS of its start: then the others are stopped
    too and the parent exits with 1. Every process runs an outbox relay; the lease lets one
    publish at a time, and the others tell it of their commits (shared/messaging/relay.py).
    Each process answers /metrics with its own figures."""
    settings = runtime.settings
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((settings.host, settings.port))
    # Connections queue from now on, while the processes start.
    listener.listen(2048)
    listener.set_inheritable(True)
    children: dict[int, tuple[int, float]] = {}  # pid -> (index, started at)
    stopping = False
    code = 0

    def fork(index: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os._exit(_api_worker(runtime, build_api, listener, index, parent))
        children[pid] = (index, time.monotonic())
        log.info("api.worker_started", worker=index, worker_pid=pid)

    def stop_all(_signum: int = 0, _frame: object = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    log.info("api.workers", workers=workers, host=settings.host, port=settings.port)
    for index in range(workers):
        fork(index)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid not in children:
            continue
        index, started = children.pop(pid)
        if stopping:
            continue
        lived = time.monotonic() - started
        log.error(
            "api.worker_died",
            worker=index,
            worker_pid=pid,
            exit_code=os.waitstatus_to_exitcode(status),
            seconds=round(lived, 1),
        )
        if lived < START_GRACE_SECONDS:
            code = 1
            stop_all()
        else:
            fork(index)
    listener.close()
    log.info("api.workers_stopped")
    return code


def _api_worker(
    runtime: ServiceRuntime,
    build_api: Callable[[ServiceRuntime, bool, bool], FastAPI],
    listener: socket.socket,
    index: int,
    parent: int,
) -> int:
    """One forked API process: its own app on the shared socket, until SIGTERM or SIGINT."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_system_exit)
        _stop_with_parent(parent)
        # Every line this process writes says which process of the group wrote it.
        structlog.contextvars.bind_contextvars(worker=index, pid=os.getpid())
        app = build_api(runtime, True, False)
        server = uvicorn.Server(_uvicorn_config(app, runtime))
        # uvicorn re-raises the signal that stopped it after its graceful shutdown.
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            server.run(sockets=[listener])
        code = 0 if server.started else 1
    except BaseException:
        log.exception("api.worker_failed", worker=index)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def _raise_system_exit(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _stop_with_parent(parent: int) -> None:
    """Linux: SIGTERM this process when the parent dies (killed with SIGKILL, it could not pass
    a signal on), so no orphan keeps serving the port unsupervised."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


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
