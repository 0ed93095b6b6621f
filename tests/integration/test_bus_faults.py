"""Faults on the bus, as an operator meets them: a producer upgraded before its consumers, and
a dead letter replayed before (and after) its cause was fixed. PostgreSQL and a real Redis."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import EVENT_TYPES, AssistantRegistered, Envelope
from shared.eventstore.tables import inbox_tracking
from shared.messaging.bus import Bus
from shared.messaging.dead_letters import list_dead_letters, replay
from shared.messaging.streams import dead_letter_stream
from tests.integration.conftest import StartConsumer, publish
from tests.integration.kit import effect_rows, envelope
from tests.waiting import eventually

pytestmark = pytest.mark.integration

NEW_TYPE = "AssistantMovedOffice"  # what a newer producer emits and this code has never seen


def newer(base: Envelope, *, event_type: str | None = None, schema_version: int = 1) -> Envelope:
    return base.model_copy(
        update={"event_type": event_type or base.event_type, "schema_version": schema_version}
    )


async def tracked_version(engine: AsyncEngine, consumer: str, sid: str) -> int | None:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(inbox_tracking.c.version).where(
                    inbox_tracking.c.consumer == consumer, inbox_tracking.c.stream_id == sid
                )
            )
        ).scalar_one_or_none()


async def test_a_producer_upgraded_before_its_consumer_loses_nothing_and_doubles_nothing(
    engine: AsyncEngine,
    start_consumer: StartConsumer,
    publisher: Bus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The producer rolls forward first: it emits a type the consumer has never heard of and a
    newer schema version of a type it knows. The consumer holds both (dead letters, not marked
    applied), the aggregates' later events wait behind them, and after the consumer's upgrade
    a replay applies each event exactly once, in order. A type the consumer is merely not
    interested in is skipped on purpose and does not hold anything up."""
    consumer = await start_consumer(
        handles={AssistantRegistered.event_type}, claim_idle_ms=300, max_deliveries=3
    )
    unknown_type, newer_version, uninteresting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publish(
        publisher,
        envelope(unknown_type, 1, "U1"),
        newer(envelope(unknown_type, 2, "U2"), event_type=NEW_TYPE),
        envelope(unknown_type, 3, "U3"),
        newer(envelope(newer_version, 1, "N1"), schema_version=2),
        envelope(newer_version, 2, "N2"),
        newer(envelope(uninteresting, 1, "S1"), event_type="FamilyDataErased"),
        envelope(uninteresting, 2, "S2"),
    )
    await eventually(
        lambda: _dead_letter_count_is(publisher, 2),
        what="the two events the consumer cannot read among its dead letters",
    )
    dead = await list_dead_letters(publisher.redis, publisher.prefix)
    assert {(d.event["event_type"], d.event["schema_version"]) for d in dead if d.event} == {
        (NEW_TYPE, 1),
        ("AssistantRegistered", 2),
    }
    assert all("replay it after upgrading the consumer" in d.error for d in dead)
    assert all(d.deliveries == 1 for d in dead)  # not retried: retrying cannot help
    await eventually(lambda: _effects_are(engine, {"U1", "S2"}), what="the readable events")
    # Held, not applied: each aggregate stands before the event the consumer cannot read.
    assert await tracked_version(engine, "reporting", f"assistant-{unknown_type}") == 1
    assert await tracked_version(engine, "reporting", f"assistant-{newer_version}") in (None, 0)
    assert await tracked_version(engine, "reporting", f"assistant-{uninteresting}") == 2
    pending = await publisher.redis.xpending(consumer.stream, "reporting")
    assert pending["pending"] == 0

    # The consumer is upgraded: its code now knows both, and handles the new type.
    monkeypatch.setitem(EVENT_TYPES, NEW_TYPE, AssistantRegistered)
    monkeypatch.setattr(AssistantRegistered, "schema_version", 2)
    consumer.inbox.handles = frozenset({AssistantRegistered.event_type, NEW_TYPE})
    outcomes = await replay(publisher.redis, dead, prefix=publisher.prefix)
    assert [o.outcome for o in outcomes] == ["applied", "applied"], outcomes

    expected = {
        f"assistant-{unknown_type}": [(1, "U1"), (2, "U2"), (3, "U3")],
        f"assistant-{newer_version}": [(1, "N1"), (2, "N2")],
        f"assistant-{uninteresting}": [(2, "S2")],
    }

    async def all_applied() -> bool:
        rows = await effect_rows(engine)
        return {sid: [(v, n) for s, v, n in rows if s == sid] for sid in expected} == expected

    await eventually(all_applied, what="every event once, in order")
    assert len(await effect_rows(engine)) == 6
    assert await list_dead_letters(publisher.redis, publisher.prefix) == []


async def _dead_letter_count_is(bus: Bus, n: int) -> bool:
    return len(await list_dead_letters(bus.redis, bus.prefix)) == n


async def _effects_are(engine: AsyncEngine, names: set[str]) -> bool:
    return {row[2] for row in await effect_rows(engine)} == names


async def run_cli(redis_url: str, prefix: str, *args: str) -> tuple[int, str, str]:
    """`python -m shared.messaging.dead_letters ...` as an operator runs it, while this test's
    consumers keep running in the event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.messaging.dead_letters",
        *args,
        env={**os.environ, "REDIS_URL": redis_url, "ASYSTA_STREAM_PREFIX": prefix},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_replay_says_what_became_of_each_message_and_reaches_one_group(
    engine: AsyncEngine,
    start_consumer: StartConsumer,
    publisher: Bus,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two groups read the stream; the poison message fails in both.
    await start_consumer("a", claim_idle_ms=300, max_deliveries=1)
    await start_consumer("b", group="casework", claim_idle_ms=300, max_deliveries=1)
    poison = envelope(uuid.uuid4(), 1, "POISON")
    await publish(publisher, poison, envelope(uuid.uuid4(), 1, "Fine"))
    await eventually(lambda: _dead_letter_count_is(publisher, 2), what="both dead letters")
    reporting_letters = dead_letter_stream(publisher.prefix, "reporting")

    # Replayed without a fix: it says so, with the error, and exits non-zero.
    code, out, err = await run_cli(
        redis_url, publisher.prefix, "replay", "--all", "--group", "reporting", "--timeout", "20"
    )
    assert code == 1, (out, err)
    assert "failed again: RuntimeError: this event always fails" in out
    assert "0 of 1 replayed message(s) applied" in err
    (again,) = await eventually(
        lambda: list_dead_letters(publisher.redis, publisher.prefix, group="reporting"),
        what="the message back among reporting's dead letters",
    )
    assert again.event is not None and again.event["event_id"] == str(poison.event_id)

    # Fixed, and replayed to reporting only: applied there, casework's dead letter untouched.
    monkeypatch.setattr("tests.integration.kit.POISON_NAME", "nothing is poison any more")
    code, out, err = await run_cli(
        redis_url, publisher.prefix, "replay", "--all", "--group", "reporting"
    )
    assert code == 0, (out, err)
    assert f"{again.entry_id} AssistantRegistered" in out and "-> reporting: applied" in out
    assert await publisher.redis.xlen(reporting_letters) == 0
    rows = await effect_rows(engine)
    assert [r[2] for r in rows].count("POISON") == 1  # reporting's effect only
    (casework_letter,) = await list_dead_letters(publisher.redis, publisher.prefix)
    assert casework_letter.group == "casework"


async def test_a_group_created_on_a_trimmed_stream_says_it_missed_history(
    start_consumer: StartConsumer, publisher: Bus
) -> None:
    await publish(publisher, *(envelope(uuid.uuid4(), 1, f"E{i}") for i in range(5)))
    stream = publisher.stream("referrals")
    await publisher.redis.xtrim(stream, maxlen=2, approximate=False)
    consumer = await start_consumer()
    assert consumer.missed_history == 3
    fresh = await start_consumer("replica-b", group="casework")
    assert fresh.missed_history == 3
    await publisher.redis.delete(stream)
    whole = await start_consumer("replica-c", group="referrals")
    assert whole.missed_history == 0
