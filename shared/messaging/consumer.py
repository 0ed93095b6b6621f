"""A consuming service's subscription to one producing service's stream, on faststream.

faststream reads (XREADGROUP, a bounded batch); we claim (XPENDING IDLE, XCLAIM) and add what
it leaves to us on Redis (see ../shared/docs/faststream-redis.md):
- groups are created at `0` before the subscribers start, so a new consumer sees history;
- acks go out only after the effect committed, and only for the messages that succeeded;
- a failed message stays pending; after `claim_idle_ms` the claimer takes it over (from this
  replica or a dead one) and tries again;
- after `max_deliveries` tries it moves, with its last error, to the group's dead-letter stream;
- a supervisor recreates a lost group (Redis restarted empty, FLUSHALL) and restarts the
  subscribers faststream stopped on NOGROUP;
- an event of a type or version this code does not know (a producer upgraded first) is
  dead-lettered at once, with the error, and the aggregate's later events wait behind it;
- a replayed dead letter (dead_letters.py) names its group: other groups acknowledge it
  without effect, its group tries it once and says what became of it;
- a group created on a stream that was already trimmed says so loudly (it missed history and
  must be rebuilt from the producers' feeds);
- with tracing on, each event's trace context (its message's `traceparent` header) goes to the
  inbox, whose span for applying it joins the trace of the request that caused it;
- a batch of only events the inbox passes over (see `_passes_over`) waits up to `defer_ms` to
  be recorded together with the batches read after it, in one transaction and one XACK; any
  other batch waits up to `linger_ms` (shorter) for the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from faststream import AckPolicy
from faststream.redis import StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.redis.message import FAKE_CONSUMER
from pydantic import ValidationError
from redis.exceptions import ResponseError

from shared.events import Envelope
from shared.messaging.bus import Bus
from shared.messaging.inbox import Inbox, UnknownEvent, is_known
from shared.messaging.sealing import FAMILY_FIELD
from shared.messaging.streams import dead_letter_stream, errors_key, replay_result_key
from shared.runtime import tracing
from shared.runtime.logging import get_logger

log = get_logger(__name__)

DATA_KEY = b"__data__"
REPLAY_ID = b"replay_id"
REPLAY_GROUP = b"replay_group"
REPLAY_RESULT_SECONDS = 3600
# How long a stop waits for the reader and for the batches handed over. A batch not applied by
# then stays pending, unacknowledged, and is claimed again: waiting longer would only hold up
# a shutdown (an orchestrator kills the process anyway).
STOP_WAIT_SECONDS = 10.0
CLAIM_PAGE = 100  # idle messages claimed per pass at most
# How long a batch the inbox only passes over may wait for the next ones. Such a batch has no
# effect but its inbox record (the aggregates' versions) and its ack, which cost a transaction
# and an XACK per read; at 20-80 events/s a read holds 1-3 events, so a quarter of a second
# records 5-20 of them at the cost of one. Nothing waits on that record except an event of
# the same aggregate read by another replica (parked behind the gap until the record
# commits): a quarter of a second keeps that rare delay within the command-to-report lag
# goal (issue 14), and far below the claimer's idle time.
DEFER_MS = 250
# How long a read of events the inbox applies may wait for the reads after it, to be applied
# with them in one transaction and one XACK. A consumer that keeps up reads one or two events
# at a time (20-100 commands/s), and each batch costs its transaction, its inbox statements
# and its ack whatever its size: waiting a few tens of milliseconds lets several commands'
# events share them (measured in bench/load.py, CPU per command by process), at the cost of
# that much command-to-report lag. A busy consumer's reads are full and never wait.
LINGER_MS = 40

# Acknowledge and dead-letter in one step, only if the message was still pending: the reader
# and the claimer may both give up on the same message, and it must be one dead letter.
MOVE_TO_DEAD_LETTERS = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
"""


class StreamConsumer:
    def __init__(
        self,
        bus: Bus,
        *,
        source: str,
        group: str,
        consumer: str,
        inbox: Inbox,
        batch_size: int = 1000,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        poll_ms: int = 100,
        supervise_interval: float = 1.0,
        defer_ms: int = DEFER_MS,
        linger_ms: int = LINGER_MS,
    ) -> None:
        self.bus = bus
        self.redis = bus.redis
        self.stream = bus.stream(source)
        self.group = group
        self.consumer = consumer
        self.inbox = inbox
        if inbox.keys is None:
            inbox.keys = bus.keys
        # Set when this group was created on a stream already trimmed: it missed history.
        self.missed_history = 0
        self.max_deliveries = max_deliveries
        self.supervise_interval = supervise_interval
        self.dead_letters = dead_letter_stream(bus.prefix, group)
        self._errors = errors_key(self.stream, group)
        self._move_to_dead_letters = self.redis.register_script(MOVE_TO_DEAD_LETTERS)
        # The last batch handed over to be applied (its transaction, then its acks) while the
        # reader fetches and decodes the next one; each waits for the one handed over before
        # it, so batches apply in the order read.
        self._applying: asyncio.Task[None] | None = None
        # Batches the inbox only passes over, read but not yet applied (so still pending: a
        # crash leaves them to the claimer), and the timer that hands them over. At most half
        # the claim idle time: the claimer must not take a waiting batch for a dead replica's.
        self.batch_size = batch_size
        self.defer = min(defer_ms, claim_idle_ms // 2) / 1000
        # Reads of events to apply wait less (see LINGER_MS), and never longer than the reads
        # passed over.
        self.linger = min(linger_ms, defer_ms, claim_idle_ms // 2) / 1000
        self._waiting: list[_Decoded] = []
        self._waiting_messages = 0
        self._flush_timer: asyncio.Task[None] | None = None
        self._flush_deadline = 0.0
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
            # With tracing on, faststream's own parser: its telemetry middleware reads the
            # messages' headers it parses.
            parser=None if tracing.enabled() else _entries_only,
            decoder=_as_read,
        )
        self.reader(self._on_batch)
        # The claimer: a loop of ours beside the reader (see _claim_idle), not a faststream
        # subscriber: faststream's claims with XAUTOCLAIM COUNT 1 and sleeps only once its
        # cursor went round the whole pending list, so while a busy reader keeps a batch or
        # two pending it sends round trips back to back (6 % of a worker's CPU at batches of
        # 1,000, and Redis's).
        self.claim_idle_ms = claim_idle_ms
        self.claimer_name = f"{consumer}.claimer"
        self.claim_interval = max(poll_ms, 250) / 1000
        self._claiming: asyncio.Task[None] | None = None

    async def ensure_group(self) -> bool:
        """Create the group at the stream's start if it is missing; True if it was created."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise
        log.info("consumer.group_created", stream=self.stream, group=self.group)
        await self._check_history()
        return True

    async def _check_history(self) -> None:
        """A group created at `0` sees the whole history only if nothing was trimmed yet."""
        try:
            info = await self.redis.xinfo_stream(self.stream)
        except ResponseError:
            return
        missed = int(info.get("entries-added", 0)) - int(info["length"])
        if missed > 0:
            self.missed_history = missed
            log.error(
                "consumer.behind_stream_start",
                stream=self.stream,
                group=self.group,
                missed_entries=missed,
                action="rebuild this consumer's projection from the producers' feeds",
            )

    async def supervise(self) -> None:
        """Keep the group, the reader and the claimer alive until cancelled."""
        try:
            while True:
                try:
                    created = await self.ensure_group()
                    if created or not self.reader.running:
                        if self.reader.running:
                            await self.reader.stop()
                        await self.reader.start()
                        log.warning(
                            "consumer.subscriber_restarted", stream=self.stream, group=self.group
                        )
                    if self._claiming is None or self._claiming.done():
                        self._claiming = asyncio.create_task(self._claim())
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("consumer.supervise_failed", stream=self.stream)
                await asyncio.sleep(self.supervise_interval)
        finally:
            await self._stop_claiming()

    async def _stop_claiming(self) -> None:
        claiming, self._claiming = self._claiming, None
        if claiming is not None:
            claiming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await claiming

    async def _claim(self) -> None:
        """Every claim interval, take over the messages idle for `claim_idle_ms`."""
        while True:
            await asyncio.sleep(self.claim_interval)
            try:
                await self._claim_idle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer.claim_failed", stream=self.stream, group=self.group)

    async def _claim_idle(self) -> None:
        """One pass over the group's pending messages idle for `claim_idle_ms` (a failed
        message waiting for its retry, a dead replica's): each claimed, then retried or
        dead-lettered on its own, one at a time. The XCLAIM repeats the idle condition, so
        of two replicas claiming the same message one gets it."""
        idle = await self.redis.xpending_range(
            self.stream,
            self.group,
            min="-",
            max="+",
            count=CLAIM_PAGE,
            idle=self.claim_idle_ms,
        )
        for pending in cast(list[dict[str, Any]], idle):
            claimed = await self.redis.xclaim(
                self.stream,
                self.group,
                self.claimer_name,
                min_idle_time=self.claim_idle_ms,
                message_ids=[pending["message_id"]],
            )
            if not claimed:
                continue  # acknowledged or claimed by another replica meanwhile
            message_id, entry = cast(tuple[bytes, dict[bytes, bytes] | None], claimed[0])
            if not entry:
                # Trimmed from the stream while pending (Redis before 7 still lists it):
                # nothing left to apply.
                log.error("consumer.claimed_trimmed", stream=self.stream, group=self.group)
                await self.redis.xack(self.stream, self.group, message_id)
                continue
            # XCLAIM counted this delivery.
            await self._on_claimed(message_id, entry, int(pending["times_delivered"]) + 1)

    async def _on_batch(self, batch: Any) -> None:
        """Decode the batch, hand it over to be applied after the one before it, and wait
        for that one: this batch is applied while faststream reads the next, so the database's
        round trips and commit of one batch overlap the reading and decoding of the next. Its
        acks go out after its commit; a batch whose handling is cut short stays pending
        (claimed and retried).

        A batch waits for the batches read after it, to go with them in one transaction, in
        the order read (each aggregate's events stay in order): a batch the inbox only passes
        over `defer_ms` at most, any other `linger_ms` at most (a replay not at all); all of
        them go as soon as a full batch waits, or when the soonest of their waits ends."""
        # `batch`: the entries as read (see _as_read), typed Any so that faststream's
        # dependency injection passes it on without validating it.
        decoded = self._decoded(batch["message_ids"], batch["data"])
        self._waiting.append(decoded)
        self._waiting_messages += len(decoded.ids)
        wait = self.defer if self._passes_over(decoded) else self._linger(decoded)
        if wait > 0 and self._waiting_messages < self.batch_size:
            self._flush_within(wait)
            return
        # Handed over before any await: a reader stopped while it waits below has still
        # handed its batch over, and the timer finds nothing left.
        before = self._applying
        self._hand_over(self._take_waiting())
        if before is not None:
            # Read the next batch while this one is applied, not while several wait.
            await self._applied_before(before)

    async def _applied_before(self, before: asyncio.Task[None]) -> None:
        await asyncio.wait([before])  # not `await`: its outcome is its own (see _applied)

    @property
    def waiting(self) -> int:
        """How many messages read wait to be recorded with the next reads."""
        return self._waiting_messages

    def _passes_over(self, decoded: _Decoded) -> bool:
        """Whether the inbox will only record the batch's events as applied: every message
        readable, none a replay (its operator waits for the answer), every event of a type
        this code knows (an unknown one is dead-lettered at once, not passed over) and that
        the inbox does not handle."""
        handles = self.inbox.handles
        return (
            self.defer > 0
            and handles is not None
            and len(decoded.readable) == len(decoded.ids)
            and not decoded.has_replay
            and all(
                envelope.event_type not in handles and is_known(envelope)
                for _, envelope in decoded.readable
            )
        )

    def _take_waiting(self) -> _Decoded:
        """The waiting batches as one, in the order read; the timer is no longer needed."""
        waiting, self._waiting, self._waiting_messages = self._waiting, [], 0
        timer, self._flush_timer = self._flush_timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        return _joined(waiting)

    def _linger(self, decoded: _Decoded) -> float:
        """How long a read with events to apply may wait for the next reads: `linger`, but
        not at all for a replay (its operator waits for the answer)."""
        return 0.0 if decoded.has_replay else self.linger

    def _flush_within(self, wait: float) -> None:
        """Hand the waiting reads over `wait` seconds from now at the latest (a timer set
        earlier for a sooner moment stands)."""
        deadline = asyncio.get_running_loop().time() + wait
        if self._flush_timer is not None:
            if self._flush_deadline <= deadline:
                return
            self._flush_timer.cancel()
        self._flush_deadline = deadline
        self._flush_timer = asyncio.create_task(self._flush_later(wait))

    async def _flush_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._flush()

    def _flush(self) -> None:
        """Hand the waiting batches over now (after the one in flight, if any)."""
        if self._waiting:
            self._hand_over(self._take_waiting())

    def _hand_over(self, decoded: _Decoded) -> None:
        """Apply the batch after the one handed over before it, if any: one batch after
        another, in the order they were read, whether the reader or the timer hands it over."""
        self._applying = asyncio.create_task(self._applied(decoded, after=self._applying))

    async def drain(self) -> None:
        """Wait for the batches handed over, if any, to be applied and acknowledged (shielded:
        a reader stopped meanwhile does not cut their transaction short)."""
        applying = self._applying
        if applying is not None:
            await asyncio.shield(applying)
            if self._applying is applying:
                self._applying = None

    async def stop(self) -> None:
        """Stop reading and claiming; the batches in flight or waiting are still applied."""
        await self._stop_claiming()
        if self.reader.running:
            try:
                await asyncio.wait_for(self.reader.stop(), STOP_WAIT_SECONDS)
            except TimeoutError:
                log.warning("consumer.reader_stop_timed_out", stream=self.stream, group=self.group)
        self._flush()
        try:
            await asyncio.wait_for(self.drain(), STOP_WAIT_SECONDS)
        except TimeoutError:
            log.warning("consumer.stopped_with_batch_pending", stream=self.stream, group=self.group)
        except Exception:
            log.exception("consumer.batch_failed", stream=self.stream, group=self.group)

    async def _applied(self, decoded: _Decoded, *, after: asyncio.Task[None] | None) -> None:
        if after is not None:
            # Not `await after`: its cancellation (a loop shutting down) must not be taken
            # for this task's; either way its messages stay pending if it did not finish.
            await asyncio.wait([after])
        try:
            await self._apply(decoded)
        except Exception:
            # Nothing acknowledged: the claimer retries the batch's messages.
            log.exception("consumer.batch_failed", stream=self.stream, group=self.group)

    async def _on_claimed(
        self, message_id: bytes, entry: dict[bytes, bytes], deliveries: int
    ) -> None:
        if deliveries > self.max_deliveries:
            await self._dead_letter(message_id, entry, deliveries, family_id=self._family(entry))
            return
        log.info(
            "consumer.retrying",
            stream=self.stream,
            message_id=message_id.decode(),
            delivery=deliveries,
        )
        await self._process([message_id], [entry], deliveries=deliveries)

    async def _process(
        self,
        ids: Sequence[bytes],
        entries: Sequence[dict[bytes, bytes]],
        *,
        deliveries: int = 1,
    ) -> None:
        await self._apply(self._decoded(ids, entries, deliveries=deliveries))

    def _decoded(
        self,
        ids: Sequence[bytes],
        entries: Sequence[dict[bytes, bytes]],
        *,
        deliveries: int = 1,
    ) -> _Decoded:
        """The messages read: their envelopes, or why they cannot be read."""
        decoded = _Decoded(ids, dict(zip(ids, entries, strict=True)), deliveries)
        for message_id, entry in decoded.by_id.items():
            target = entry.get(REPLAY_GROUP)
            if target is not None and target.decode() != self.group:
                continue  # replayed for another group: acknowledged without effect
            try:
                envelope, traceparent = self._read(entry)
            except (ValidationError, ValueError, KeyError) as exc:
                decoded.failed[message_id] = (f"unreadable message: {_describe(exc)}", None)
                if REPLAY_ID in entry:
                    decoded.now.add(message_id)
                continue
            decoded.readable.append((message_id, envelope))
            if traceparent is not None:
                decoded.traces[envelope.event_id] = traceparent
        return decoded

    async def _apply(self, decoded: _Decoded) -> None:
        """Apply the readable envelopes through the inbox, then acknowledge what succeeded,
        keep the errors of what failed, dead-letter what cannot succeed."""
        ids, by_id, readable = decoded.ids, decoded.by_id, decoded.readable
        failed, now = decoded.failed, decoded.now
        results = await self.inbox.process(
            [envelope for _, envelope in readable], traces=decoded.traces or None
        )
        families = {message_id: envelope.family_id for message_id, envelope in readable}
        for (message_id, envelope), error in zip(readable, results, strict=True):
            if error is None:
                continue
            failed[message_id] = (f"{type(error).__name__}: {error}", envelope.family_id)
            if isinstance(error, UnknownEvent) or REPLAY_ID in by_id[message_id]:
                now.add(message_id)
            log.error(
                "consumer.event_failed",
                stream=self.stream,
                group=self.group,
                message_id=message_id.decode(),
                event_type=envelope.event_type,
                schema_version=envelope.schema_version,
                error=type(error).__name__,
            )
        # Error texts may quote personal data: sealed with the family's bus key.
        errors = {
            message_id: await self.bus.keys.seal_text(family, text[:2000])
            for message_id, (text, family) in failed.items()
        }
        done = [message_id for message_id in ids if message_id not in failed]
        retry: dict[Any, Any] = {k: v for k, v in errors.items() if k not in now}
        async with self.redis.pipeline(transaction=False) as pipe:
            if done:
                pipe.xack(self.stream, self.group, *done)
                pipe.hdel(self._errors, *done)
            if retry:
                pipe.hset(self._errors, mapping=retry)
            await pipe.execute()
        for message_id in ids:
            if message_id in now:
                await self._dead_letter(
                    message_id,
                    by_id[message_id],
                    decoded.deliveries,
                    error=errors[message_id],
                    family_id=families.get(message_id),
                )
        await self._answer_replays(by_id, errors)

    async def _answer_replays(
        self, entries: dict[bytes, dict[bytes, bytes]], errors: dict[bytes, str]
    ) -> None:
        """Tell the operator's replay what became of each message replayed for this group."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for message_id, entry in entries.items():
                replay_id = entry.get(REPLAY_ID)
                if replay_id is None or entry.get(REPLAY_GROUP, b"").decode() != self.group:
                    continue
                error = errors.get(message_id)
                answer = {"outcome": "applied" if error is None else "failed", "error": error}
                pipe.set(
                    replay_result_key(self.bus.prefix, replay_id.decode()),
                    json.dumps(answer),
                    ex=REPLAY_RESULT_SECONDS,
                )
            await pipe.execute()

    def _family(self, entry: dict[bytes, bytes]) -> UUID | None:
        try:
            return self._decode(entry).family_id
        except (ValidationError, ValueError, KeyError):
            return None

    def _decode(self, entry: dict[bytes, bytes]) -> Envelope:
        return self._read(entry)[0]

    def _read(self, entry: dict[bytes, bytes]) -> tuple[Envelope, str | None]:
        """The entry's envelope, and its trace context when tracing is on."""
        body, headers = self.bus.broker.message_format.parse(entry[DATA_KEY])
        traceparent = headers.get(tracing.TRACEPARENT) if tracing.enabled() else None
        return Envelope.model_validate_json(body), traceparent

    async def _dead_letter(
        self,
        message_id: bytes,
        entry: dict[bytes, bytes],
        deliveries: int,
        *,
        error: str | bytes | None = None,
        family_id: UUID | None = None,
    ) -> None:
        if error is None:
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
        if family_id is not None:
            # An erasure finds and deletes the family's dead letters by it.
            fields[FAMILY_FIELD] = str(family_id)
        moved = await self._move_to_dead_letters(
            keys=[self.stream, self.dead_letters, self._errors],
            args=[self.group, message_id, *[x for pair in fields.items() for x in pair]],
        )
        if not moved:
            return  # the reader and the claimer both had it: the other one moved it
        log.error(
            "consumer.dead_lettered",
            stream=self.stream,
            group=self.group,
            message_id=message_id.decode(),
            deliveries=deliveries,
        )


@dataclass
class _Decoded:
    """A batch of messages as read, before it is applied."""

    ids: Sequence[bytes]
    by_id: dict[bytes, dict[bytes, bytes]]
    deliveries: int
    readable: list[tuple[bytes, Envelope]] = field(default_factory=list)
    # event id -> the trace it travelled in (tracing on)
    traces: dict[UUID, str] = field(default_factory=dict)
    # message id -> (error, the family whose data the error may quote)
    failed: dict[bytes, tuple[str, UUID | None]] = field(default_factory=dict)
    # Dead-lettered at once: retrying cannot help (an unknown event), or an operator is
    # waiting for the answer (a replay).
    now: set[bytes] = field(default_factory=set)

    @property
    def has_replay(self) -> bool:
        """Whether a message is a replayed dead letter (its operator waits for the answer)."""
        return any(REPLAY_ID in e or REPLAY_GROUP in e for e in self.by_id.values())


def _joined(batches: Sequence[_Decoded]) -> _Decoded:
    """Batches read one after another, as one (applied in one transaction, acked at once)."""
    if len(batches) == 1:
        return batches[0]
    joined = _Decoded([i for batch in batches for i in batch.ids], {}, deliveries=1)
    for batch in batches:
        joined.by_id.update(batch.by_id)
        joined.readable.extend(batch.readable)
        joined.traces.update(batch.traces)
        joined.failed.update(batch.failed)
        joined.now.update(batch.now)
    return joined


async def _entries_only(message: Mapping[str, Any]) -> RedisBatchStreamMessage:
    """The batch as faststream read it, for a handler that reads the entries itself.

    faststream's own batch parser JSON-decodes every message's body and encodes the list
    again, for a body this handler never reads (it decodes each envelope once, in `_read`):
    that was a quarter of a reporting worker's CPU per event at batches of 100."""
    return RedisBatchStreamMessage(
        raw_message=message,
        body=b"",
        consumer=FAKE_CONSUMER,  # acks are ours (XACK after the commit), not the message's
        group=None,
    )


async def _as_read(msg: RedisBatchStreamMessage) -> Any:
    """The handler's argument: the batch's ids and entries as faststream read them. Handed
    over as the handler's body, not as an injected `RedisBatchStreamMessage`: faststream
    resolves that injection (a synchronous context lookup) in a worker thread, per batch."""
    return msg.raw_message


def _describe(exc: Exception) -> str:
    """What was wrong with a message, without quoting its values (they may be personal)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
    return f"{type(exc).__name__}"
