"""Runs one outbox relay until killed: `python -m tests.integration.relay_process DB PREFIX`."""

from __future__ import annotations

import sys

from shared.messaging.bus import Bus
from shared.messaging.relay import OutboxRelay
from shared.runtime.database import create_engine
from shared.runtime.logging import configure_logging
from shared.runtime.loop import run


async def main(database_url: str, prefix: str, redis_url: str) -> None:
    engine = create_engine(database_url)
    bus = Bus(redis_url, prefix=prefix)
    relay = OutboxRelay(
        engine, bus, service="referrals", batch_size=50, poll_interval=0.05, lease_seconds=1.0
    )
    await relay.run()


if __name__ == "__main__":
    configure_logging("relay-test", level="WARNING", json=True)
    # On the loop the services run on (uvloop), killed at random moments by the test.
    run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
