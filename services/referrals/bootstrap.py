"""The referrals service's composition root: settings -> its store, unit of work and family
index -> a typed ReferralsApp that the routes receive as a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.family_index import PeselDigests, SqlFamilyIndex
from services.referrals.adapters.tables import metadata
from services.referrals.adapters.unit_of_work import ReferralsUnitOfWorkFactory
from services.referrals.application.ports import ReferralsUnitOfWork
from services.referrals.application.queries import ReferralsQueries
from services.referrals.application.reactions import REACTIONS, react
from services.referrals.settings import ReferralsSettings
from shared.domain.clock import Clock
from shared.domain.values import use_today
from shared.events import Envelope
from shared.eventstore.runner import CommandRunner
from shared.messaging.streams import consumed_streams
from shared.runtime.service import ServiceRuntime

NAME = "referrals"
# The schema history of the service's database (Alembic; see shared.migrations).
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class ReferralsApp:
    settings: ReferralsSettings
    runtime: ServiceRuntime
    clock: Clock
    runner: CommandRunner[ReferralsUnitOfWork]
    queries: ReferralsQueries


def build_runtime(
    settings: ReferralsSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or ReferralsSettings()
    digests = PeselDigests(settings.lookup_key())

    async def on_casework_event(conn: AsyncConnection, envelope: Envelope) -> None:
        await react(SqlFamilyIndex(conn, digests), envelope)

    return ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        migrations=MIGRATIONS,
        subscriptions=dict.fromkeys(consumed_streams(NAME), on_casework_event),
        # The other types of casework's stream (most of them: visits, plans) are only recorded
        # as applied, and their reads wait to be recorded together (StreamConsumer's defer_ms).
        handled_types=dict.fromkeys(consumed_streams(NAME), frozenset(REACTIONS)),
        clock=clock or settings.clock(),
    )


def build_app(runtime: ServiceRuntime) -> ReferralsApp:
    """The service's handlers' dependencies, built once per process."""
    settings = runtime.settings
    if not isinstance(settings, ReferralsSettings):
        raise TypeError("the referrals service runs on ReferralsSettings")
    use_today(runtime.clock.today)
    units = ReferralsUnitOfWorkFactory(
        engine=runtime.engine,
        store=runtime.store,
        digests=PeselDigests(settings.lookup_key()),
        on_commit=runtime.events_committed,
    )
    return ReferralsApp(
        settings=settings,
        runtime=runtime,
        clock=runtime.clock,
        runner=CommandRunner(units, runtime.clock),
        queries=ReferralsQueries(
            runtime.engine, runtime.store, settings.lookup_key(), runtime.clock
        ),
    )


async def referrals_app(request: Request) -> ReferralsApp:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    app: ReferralsApp = request.app.state.referrals
    return app


ReferralsAppDep = Annotated[ReferralsApp, Depends(referrals_app)]
