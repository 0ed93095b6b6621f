"""Runs one consumer of the referrals stream until killed, handling AssistantRegistered only and
letting the reads it passes over wait far longer than any test runs:
`python -m tests.integration.consumer_process DB PREFIX REDIS NAME`."""

from __future__ import annotations

import sys

from shared.events import AssistantRegistered
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from shared.messaging.inbox import Inbox
from shared.runtime.database import create_engine
from shared.runtime.logging import configure_logging
from shared.runtime.loop import run
from tests.integration.kit import record_effect


async def main(database_url: str, prefix: str, redis_url: str, name: str) -> None:
    engine = create_engine(database_url)
    bus = Bus(redis_url, prefix=prefix)
    consumer = StreamConsumer(
        bus,
        source="referrals",
        group="reporting",
        consumer=name,
        inbox=Inbox(engine, "reporting", record_effect, handles={AssistantRegistered.event_type}),
        claim_idle_ms=3_600_000,
        defer_ms=1_800_000,
    )
    await bus.connect()
    await consumer.ensure_group()
    await bus.start()
    await consumer.supervise()


if __name__ == "__main__":
    configure_logging("consumer-test", level="WARNING", json=True)
    # On the loop the workers run on (uvloop).
    run(main(*sys.argv[1:5]))
