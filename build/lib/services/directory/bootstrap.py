"""The directory's composition root."""

from __future__ import annotations

from services.directory.adapters.tables import metadata
from services.directory.application.projection import ensure_read_model
from services.directory.settings import DirectorySettings
from shared.clock import Clock, SystemClock
from shared.database import create_schema
from shared.eventstore import kernel_metadata
from shared.runtime import ServiceRuntime

NAME = "directory"


class DirectoryRuntime(ServiceRuntime):
    """The shared runtime, plus: before anything else runs, the read model is brought to the
    shape this code expects (rebuilt from the event store if it is older)."""

    async def start(self, *, relay: bool, worker: bool) -> None:
        await create_schema(self.engine, kernel_metadata, self.metadata)
        await ensure_read_model(self)
        await super().start(relay=relay, worker=worker)


def build_runtime(
    settings: DirectorySettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    return DirectoryRuntime(
        name=NAME,
        settings=settings or DirectorySettings(),
        metadata=metadata,
        produces_events=True,
        clock=clock or SystemClock(),
    )
