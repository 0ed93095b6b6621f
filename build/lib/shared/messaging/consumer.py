"""A consuming service's subscription to one producing service's stream, on faststream.

faststream reads (XREADGROUP, a bounded batch) and claims (XAUTOCLAIM); we add what it leaves
to us on Redis (see ../shared/docs/faststream-redis.md):
- groups are created at `0` before the subscribers start, so a new consumer sees history;
- acks go out only after the effect committed, and only for the messages that succeeded;
- a failed message stays pending; after `claim_idle_ms` the claimer takes it over (from this
  replica or a dead one) and tries again;
- after `max_deliveries` tries it moves, with its last error, to the group's dead-letter stream;
- a supervisor recreates a lost group (Redis restarted empty, FLUSHALL) and restarts the
  subscribers faststream stopped on NOGROUP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream.redis import StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from pydantic import ValidationError
from redis.exceptions import ResponseError

from shared.events import Envelope
from shared.logging import get_logger
from shared.messaging.bus import Bus
from shared.messaging.inbox import Inbox
from shared.messaging.streams import dead_letter_stream, errors_key

log = get_logger(__name__)

DATA_KEY = b"__data__"


class StreamConsumer:
    def __init__(
        self,
        bus: Bus,
        *,
        source: str,
        group: str,
        consumer: str,
        inbox: Inbox,
        batch_size: int = 100,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        poll_ms: int = 100,
        supervise_interval: float = 1.0,
    ) -> None:
        self.bus = bus
        self.redis = bus.redis
        self.stream = bus.stream(source)
        self.group = group
        self.consumer = consumer
        self.inbox = inbox
        self.max_deliveries = max_deliveries
        self.supervise_interval = supervise_interval
        self.dead_letters = dead_letter_stream(bus.prefix, group)
        self._errors = errors_key(self.stream, group)
        self.reader = bus.broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=group,
                consumer=consumer,
                batch=True,
                max_records=batch_size,
                polling_interval=poll_ms,
            ),
            ack_policy=AckPolicy.MANUAL,
        )
        self.reader(self._on_batch)
        self.claimer = bus.broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=group,
                # A name of its own: faststream keys subscribers by stream, group and consumer.
                consumer=f"{consumer}.claimer",
                min_idle_time=claim_idle_ms,
                polling_interval=max(poll_ms, 250),
            ),
            ack_policy=AckPolicy.MANUAL,
        )
        self.claimer(self._on_claimed)

    async def ensure_group(self) -> bool:
        """Create the group at the stream's start if it is missing; True if it was created."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise
        log.info("consumer.group_created", stream=self.stream, group=self.group)
        return True

    async def supervise(self) -> None:
        """Keep the group and the subscribers alive until cancelled."""
        while True:
            try:
                created = await self.ensure_group()
                for subscriber in (self.reader, self.claimer):
                    if created or not subscriber.running:
                        if subscriber.running:
                            await subscriber.stop()
                        await subscriber.start()
                        log.warning(
                            "consumer.subscriber_restarted", stream=self.stream, group=self.group
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer.supervise_failed", stream=self.stream)
            await asyncio.sleep(self.supervise_interval)

    async def _on_batch(self, msg: RedisBatchStreamMessage) -> None:
        await self._process(msg.raw_message["message_ids"], msg.raw_message["data"])

    async def _on_claimed(self, msg: RedisStreamMessage) -> None:
        (message_id,) = msg.raw_message["message_ids"]
        deliveries = await msg.get_delivery_count()
        if deliveries > self.max_deliveries:
            await self._dead_letter(message_id, msg.raw_message["data"], deliveries)
            return
        log.info(
            "consumer.retrying",
            stream=self.stream,
            message_id=message_id.decode(),
            delivery=deliveries,
        )
        await self._process([message_id], [msg.raw_message["data"]])

    async def _process(self, ids: Sequence[bytes], entries: Sequence[dict[bytes, bytes]]) -> None:
        readable: list[tuple[bytes, Envelope]] = []
        failed: dict[bytes, str] = {}
        for message_id, entry in zip(ids, entries, strict=True):
            try:
                readable.append((message_id, self._decode(entry)))
            except (ValidationError, ValueError, KeyError) as exc:
                failed[message_id] = f"unreadable message: {exc}"
        results = await self.inbox.process([envelope for _, envelope in readable])
        for (message_id, envelope), error in zip(readable, results, strict=True):
            if error is not None:
                failed[message_id] = f"{type(error).__name__}: {error}"
                log.error(
                    "consumer.event_failed",
                    stream=self.stream,
                    message_id=message_id.decode(),
                    event_type=envelope.event_type,
                    error=type(error).__name__,
                )
        done = [message_id for message_id in ids if message_id not in failed]
        async with self.redis.pipeline(transaction=False) as pipe:
            if done:
                pipe.xack(self.stream, self.group, *done)
                pipe.hdel(self._errors, *done)
            if failed:
                pipe.hset(self._errors, mapping={k: v[:2000] for k, v in failed.items()})
            await pipe.execute()

    def _decode(self, entry: dict[bytes, bytes]) -> Envelope:
        body, _headers = self.bus.broker.message_format.parse(entry[DATA_KEY])
        return Envelope.model_validate_json(body)

    async def _dead_letter(
        self, message_id: bytes, entry: dict[bytes, bytes], deliveries: int
    ) -> None:
        error = await self.redis.hget(self._errors, message_id)
        fields: dict[Any, Any] = {
            b"stream": self.stream,
            b"group": self.group,
            b"message_id": message_id,
            b"deliveries": str(deliveries),
            b"error": error or b"unknown",
            b"dead_at": datetime.now(UTC).isoformat(),
        }
        if DATA_KEY in entry:
            fields[DATA_KEY] = entry[DATA_KEY]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_letters, fields)
            pipe.xack(self.stream, self.group, message_id)
            pipe.hdel(self._errors, message_id)
            await pipe.execute()
        log.error(
            "consumer.dead_lettered",
            stream=self.stream,
            group=self.group,
            message_id=message_id.decode(),
            deliveries=deliveries,
        )
