"""The event loop of every long-running process: uvloop (libuv, in C) where it is installed, as
uvicorn picks it for the APIs and the web app (`loop="auto"`), so the workers and the rebuild
do not spend their CPU in asyncio's pure-Python loop.

uvloop is a dependency on Linux and macOS; without it (Windows, a hand-made environment) the
process runs on asyncio's own loop, as uvicorn's "auto" does, rather than refuse to start.
`tests/unit/test_runtime_loop.py` checks that the installed environment picks the C parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default loop) when uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the loop of `loop_factory()`: the same life cycle (Ctrl-C raises
    KeyboardInterrupt into `main` unless it installs its own SIGINT handler; remaining tasks
    are cancelled and async generators and the default executor shut down at the end)."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
