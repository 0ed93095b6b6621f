"""The directory's composition root: settings -> its store, unit of work and read model -> a
typed DirectoryApp that the routes receive as a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from services.directory.adapters.read_model import ensure_read_model, project_inline
from services.directory.adapters.tables import metadata
from services.directory.application.handlers import LoginHandlers
from services.directory.application.queries import DirectoryQueries
from services.directory.domain.assistant import ASSISTANT
from services.directory.domain.institution import INSTITUTION
from services.directory.settings import DirectorySettings
from shared.domain.clock import Clock
from shared.domain.values import use_today
from shared.eventstore.runner import CommandRunner
from shared.eventstore.unit_of_work import SqlUnitOfWork, UnitOfWorkFactory
from shared.runtime.service import ServiceRuntime

NAME = "directory"
# The schema history of the service's database (Alembic; see shared.migrations).
MIGRATIONS = Path(__file__).parent / "migrations"


class DirectoryRuntime(ServiceRuntime):
    """The shared runtime, plus: before anything else runs, the read model is brought to the
    shape this code expects (rebuilt from the event store if it is older)."""

    async def start(self, *, relay: bool, worker: bool) -> None:
        await self.prepare_schema()
        await ensure_read_model(self)
        await super().start(relay=relay, worker=worker)


@dataclass(frozen=True)
class DirectoryApp:
    settings: DirectorySettings
    runtime: ServiceRuntime
    clock: Clock
    runner: CommandRunner[SqlUnitOfWork]
    queries: DirectoryQueries
    logins: LoginHandlers


def build_runtime(
    settings: DirectorySettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or DirectorySettings()
    return DirectoryRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        migrations=MIGRATIONS,
        clock=clock or settings.clock(),
    )


def build_app(runtime: ServiceRuntime) -> DirectoryApp:
    """The handlers' dependencies, built once per process."""
    settings = runtime.settings
    if not isinstance(settings, DirectorySettings):
        raise TypeError("the directory runs on DirectorySettings")
    use_today(runtime.clock.today)
    units = UnitOfWorkFactory(
        runtime.engine,
        runtime.store,
        projections={ASSISTANT.name: [project_inline], INSTITUTION.name: [project_inline]},
        on_commit=runtime.events_committed,
    )
    queries = DirectoryQueries(runtime.engine)
    runtime.assistant_logins = queries.holder
    return DirectoryApp(
        settings=settings,
        runtime=runtime,
        clock=runtime.clock,
        runner=CommandRunner(units, runtime.clock),
        queries=queries,
        logins=LoginHandlers(queries),
    )


async def directory_app(request: Request) -> DirectoryApp:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    app: DirectoryApp = request.app.state.directory
    return app


DirectoryAppDep = Annotated[DirectoryApp, Depends(directory_app)]
