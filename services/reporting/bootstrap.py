"""Reporting's composition root: settings -> the runtime (its database, the bus, a subscription
to every producing service's stream, applied by the projector) -> one typed `ReportingApp`,
which the routes (as an `Annotated` dependency), the worker and the rebuild command are
handed. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.tables import metadata
from services.reporting.application.projector import APPLY, project
from services.reporting.settings import ReportingSettings
from shared.domain.clock import Clock
from shared.messaging.streams import PRODUCERS
from shared.runtime.service import ServiceRuntime

NAME = "reporting"


@dataclass(frozen=True)
class ReportingApp:
    """What reporting's entry points use, built once per process."""

    settings: ReportingSettings
    runtime: ServiceRuntime
    clock: Clock

    @property
    def engine(self) -> AsyncEngine:
        # Read through the runtime: a test may give it an engine of its own.
        return self.runtime.engine


def build_reporting(
    settings: ReportingSettings | None = None, clock: Clock | None = None
) -> ReportingApp:
    settings = settings or ReportingSettings()
    clock = clock or settings.clock()
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=False,
        grows_in_place=True,
        subscriptions=dict.fromkeys(PRODUCERS, project),
        handled_types=dict.fromkeys(PRODUCERS, frozenset(APPLY)),
        clock=clock,
    )
    return ReportingApp(settings=settings, runtime=runtime, clock=clock)
