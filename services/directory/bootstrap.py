"""The directory's composition root."""

from __future__ import annotations

from services.directory.adapters.tables import metadata
from services.directory.settings import DirectorySettings
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime

NAME = "directory"


def build_runtime(
    settings: DirectorySettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    return ServiceRuntime(
        name=NAME,
        settings=settings or DirectorySettings(),
        metadata=metadata,
        produces_events=True,
        clock=clock or SystemClock(),
    )
