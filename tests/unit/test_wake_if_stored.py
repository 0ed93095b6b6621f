"""A consumer's commit wakes the relay only when its handler stored events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from shared.events import Envelope
from shared.eventstore import EventStore
from shared.messaging.inbox import SetWise
from shared.runtime.service import _WakeIfStored


class _Store:
    stored = 0


def _wake_counter() -> tuple[list[int], Any]:
    woken: list[int] = []
    return woken, lambda: woken.append(1)


def test_a_handler_that_stores_nothing_does_not_wake_the_relay() -> None:
    store = _Store()
    woken, wake = _wake_counter()
    watch = _WakeIfStored(cast(EventStore, store), wake)

    async def passes_over(conn: Any, envelope: Envelope) -> None:
        return None

    handler = watch.watching(passes_over)
    asyncio.run(handler(None, cast(Envelope, None)))  # type: ignore[arg-type]
    watch.after_commit()
    assert woken == []


def test_a_handler_that_stores_events_wakes_the_relay_once_after_the_commit() -> None:
    store = _Store()
    woken, wake = _wake_counter()
    watch = _WakeIfStored(cast(EventStore, store), wake)

    async def opens_a_case(conn: Any, envelope: Envelope) -> None:
        store.stored += 2

    handler = watch.watching(opens_a_case)
    asyncio.run(handler(None, cast(Envelope, None)))  # type: ignore[arg-type]
    assert woken == []  # not before the commit: the relay would find nothing yet
    watch.after_commit()
    watch.after_commit()
    assert woken == [1]


def test_a_set_wise_handler_is_watched_as_a_set_wise_handler() -> None:
    store = _Store()
    woken, wake = _wake_counter()
    watch = _WakeIfStored(cast(EventStore, store), wake)
    seen: list[int] = []

    async def apply(conn: Any, envelopes: Sequence[Envelope]) -> None:
        seen.append(len(envelopes))
        store.stored += 1

    handler = watch.watching(SetWise(apply))
    assert isinstance(handler, SetWise)
    asyncio.run(handler.apply(None, [cast(Envelope, None)] * 3))  # type: ignore[arg-type]
    watch.after_commit()
    assert seen == [3]
    assert woken == [1]
