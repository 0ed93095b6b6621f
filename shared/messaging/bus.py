"""The bus: faststream's RedisBroker for publishing and subscribing, and a plain redis-py
client for what faststream does not do on streams (groups, pending lists, acks, dead letters).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from faststream.redis.prometheus import RedisPrometheusMiddleware
from prometheus_client import REGISTRY

from shared.events import Envelope
from shared.messaging.sealing import BusKeys
from shared.messaging.streams import events_stream
from shared.runtime import tracing
from shared.runtime.settings import DEVELOPMENT_DATA_KEY


class Bus:
    def __init__(self, redis_url: str, *, prefix: str, data_key: bytes | None = None) -> None:
        """`data_key`: the deployment's master key (ASYSTA_DATA_KEY), from which the key that
        wraps the families' bus keys is derived; the development key when not given."""
        self.redis_url = redis_url
        self.prefix = prefix
        # Per-message "Received"/"Processed" lines only at DEBUG: at INFO they drown the log.
        # faststream's own figures (messages received, processed, failed; durations) in the
        # process's Prometheus registry, beside ours (shared/runtime/metrics.py). With tracing
        # on, its telemetry middleware too (shared/runtime/tracing.py).
        self.broker = RedisBroker(
            redis_url,
            logger=logging.getLogger("asysta.bus"),
            log_level=logging.DEBUG,
            middlewares=[
                RedisPrometheusMiddleware(registry=REGISTRY, app_name="asysta"),
                *tracing.broker_middlewares(),
            ],
        )
        self.redis: aioredis.Redis = aioredis.from_url(redis_url)
        self.keys = BusKeys(self.redis, prefix, data_key or DEVELOPMENT_DATA_KEY.encode())
        self._connected = False

    def stream(self, service: str) -> str:
        return events_stream(self.prefix, service)

    async def connect(self) -> None:
        if not self._connected:
            await self.broker.connect()
            self._connected = True

    async def start(self) -> None:
        """Connect and start every subscriber registered on the broker."""
        await self.connect()
        await self.broker.start()

    async def close(self) -> None:
        await self.broker.stop()
        await self.redis.aclose()
        self._connected = False

    async def publish(
        self,
        stream: str,
        envelopes: Sequence[Envelope],
        *,
        traceparents: Sequence[str | None] | None = None,
    ) -> bytes | None:
        """Append envelopes to a stream, in order, in one round trip; returns the last entry's
        id. `traceparents`: per envelope, the trace it is published in (tracing on)."""
        await self.connect()
        async with self.redis.pipeline(transaction=False) as pipe:
            for i, envelope in enumerate(envelopes):
                with tracing.publishing(traceparents[i] if traceparents else None):
                    await self.broker.publish(
                        envelope.model_dump_json().encode(),
                        stream=stream,
                        correlation_id=envelope.correlation_id,
                        pipeline=pipe,
                    )
            added = await pipe.execute()
        return _as_bytes(added[-1]) if added else None


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else None
