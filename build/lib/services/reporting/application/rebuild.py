"""Rebuilding every projection from the producing services' event feeds (their documented
HTTP API, never their tables). The inbox applies the history exactly as it applies live
events, so the rebuilt projections equal the live ones, and live events arriving meanwhile
are neither lost nor applied twice."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
from sqlalchemy import delete

from services.reporting.adapters.tables import PROJECTION_TABLES
from services.reporting.application.projector import project
from shared.events import Envelope
from shared.logging import get_logger
from shared.messaging.inbox import Inbox, reset_consumer
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

Progress = Callable[[int, int], None]


async def rebuild_projections(
    runtime: ServiceRuntime,
    *,
    feeds: Mapping[str, str],
    token: str,
    page_size: int = 1000,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Empty the projections and apply every service's feed from the start; returns the
    number of events read."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60, transport=transport) as client:
        heads = {}
        for service, base in feeds.items():
            response = await client.get(f"{base}/events", params={"after": 0, "limit": 1})
            response.raise_for_status()
            heads[service] = int(response.json()["head"])
        total = sum(heads.values())
        async with runtime.engine.begin() as conn:
            for table in PROJECTION_TABLES:
                await conn.execute(delete(table))
            await reset_consumer(conn, runtime.name)
        inbox = Inbox(runtime.engine, runtime.name, project)
        done = 0
        if progress:
            progress(done, total)
        for service, base in feeds.items():
            after = 0
            while True:
                response = await client.get(
                    f"{base}/events", params={"after": after, "limit": page_size}
                )
                response.raise_for_status()
                page = response.json()
                envelopes = [Envelope.model_validate(e) for e in page["events"]]
                if not envelopes:
                    break
                async with runtime.engine.begin() as conn:
                    await inbox.apply(conn, envelopes)
                after = int(page["next_after"])
                done += len(envelopes)
                if progress:
                    progress(done, max(total, done))
            log.info("rebuild.feed_done", source=service, position=after)
    return done


def print_progress_bar(done: int, total: int, *, width: int = 40) -> None:
    import sys

    share = done / total if total else 1.0
    filled = int(share * width)
    bar = "█" * filled + "░" * (width - filled)
    sys.stderr.write(f"\rOdbudowa projekcji [{bar}] {share:6.1%}  {done}/{total} zdarzeń")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
