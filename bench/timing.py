"""Rates and the loops that measure them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Operation = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Rate:
    events: int
    seconds: float
    # This process's CPU time in the same span: near `seconds` means our Python was the
    # bottleneck; far below it, we waited (for the database, Redis, or a busy machine).
    cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class Stopwatch:
    """Wall time and this process's CPU time from its creation."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def rate(self, events: int, *, wall_end: float | None = None) -> Rate:
        end = time.perf_counter() if wall_end is None else wall_end
        return Rate(events, end - self.wall, time.process_time() - self.cpu)


async def run_for(operations: Sequence[Operation], seconds: float) -> Rate:
    """Run each operation in a loop of its own (one per writer) until `seconds` have passed.

    Counted until every loop finished its last operation, so the slowest writer's tail is in
    the figure rather than cut off.
    """
    watch = Stopwatch()
    deadline = watch.wall + seconds

    async def loop(operation: Operation) -> int:
        done = 0
        while time.perf_counter() < deadline:
            await operation()
            done += 1
        return done

    counts = await asyncio.gather(*(loop(op) for op in operations))
    return watch.rate(sum(counts))
