"""structlog, configured once per process: JSON lines when not on a terminal.

The correlation id is bound per HTTP request and per consumed event (contextvars), so every
line a request or an event causes, in every service, carries the same id. With tracing on
(shared/runtime/tracing.py), every line written inside a span carries its `trace_id` and
`span_id` too. Log fields are ids, codes and counts only: never a name, a PESEL or a note.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from shared.runtime import tracing


def configure_logging(service: str, *, level: str = "INFO", json: bool | None = None) -> None:
    """Route structlog and the standard library's logging through one JSON renderer."""
    if json is None:
        json = not sys.stderr.isatty()
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's access log prints query strings, which may carry personal data.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request's URL, query string included, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # faststream gives its own logger a coloured console handler; route it through ours.
    faststream_logger = logging.getLogger("faststream")
    faststream_logger.handlers.clear()
    faststream_logger.propagate = True
    faststream_logger.setLevel(logging.WARNING)
    # The broker's own logger: its subscriber supervisor logs every task callback at INFO.
    logging.getLogger("asysta.bus").setLevel(logging.WARNING)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def add_trace_ids(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The current span's trace and span ids, when tracing is on and a span is current."""
    ids = tracing.current_ids()
    if ids is not None:
        event_dict["trace_id"], event_dict["span_id"] = ids
    return event_dict


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
