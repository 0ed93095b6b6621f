"""Casework's composition root: its settings, runtime, command runner, clock and queries in one
typed `CaseworkApp`, handed to the routes; its reactions to the referrals and directory
streams; and the job that ends monitoring periods that passed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.casework.adapters.inbox import CaseworkSubscriptions
from services.casework.adapters.tables import assistant_logins, metadata
from services.casework.application import handlers
from services.casework.application.case_index import CaseIndex, project_caseload
from services.casework.application.queries import CaseworkQueries
from services.casework.domain.case import CASE
from services.casework.domain.case.commands import EndMonitoring
from services.casework.domain.caseload import CASELOAD
from services.casework.settings import CaseworkSettings
from shared.domain.clock import Clock
from shared.domain.values import use_today
from shared.events.casework import CaseStatus
from shared.eventstore.runner import CommandRunner
from shared.eventstore.store import EventMetadata
from shared.eventstore.unit_of_work import InlineProjection, SqlUnitOfWork
from shared.messaging.streams import consumed_streams
from shared.runtime.assistant_logins import lookup_in
from shared.runtime.logging import get_logger
from shared.runtime.service import PeriodicJob, ServiceRuntime

NAME = "casework"
# The schema history of the service's database (Alembic; see shared.migrations).
MIGRATIONS = Path(__file__).parent / "migrations"

log = get_logger(__name__)


def projections(index: CaseIndex) -> Mapping[str, Sequence[InlineProjection]]:
    """The read models kept in each command's transaction, per aggregate type."""
    return {CASE.name: [index], CASELOAD.name: [project_caseload]}


@dataclass(frozen=True)
class CaseworkApp:
    """Everything casework's routes, reactions and jobs need, typed."""

    settings: CaseworkSettings
    runtime: ServiceRuntime
    runner: CommandRunner[SqlUnitOfWork]
    clock: Clock
    queries: CaseworkQueries
    index: CaseIndex

    async def index_families(self) -> int:
        """Names and search digests for cases opened before the read model kept them."""
        return await self.index.index_families(
            self.runtime.engine, self.runtime.store, self.clock.now()
        )

    async def end_monitoring_periods(self) -> int:
        """End the monitoring of cases whose period passed; returns how many ended."""
        today = self.clock.today()
        metadata = EventMetadata(actor="system:monitoring", correlation_id=f"monitoring-{today}")
        ended = 0
        for case_id in await self.queries.expired_monitoring(today=today):
            changed = await self.runner.run(
                handlers.end_monitoring, EndMonitoring(case_id=case_id), metadata
            )
            ended += changed.status is CaseStatus.CLOSED
        return ended


def build_app(settings: CaseworkSettings | None = None, clock: Clock | None = None) -> CaseworkApp:
    settings = settings or CaseworkSettings()
    clock = clock or settings.clock()
    # "Not in the future" in the request models means this service's today.
    use_today(clock.today)
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        migrations=MIGRATIONS,
        clock=clock,
    )

    runtime.assistant_logins = lookup_in(lambda: runtime.reads, assistant_logins)
    index = CaseIndex(runtime.store.keyring, settings.lookup_key())
    read_models = projections(index)

    def unit_of_work(event_metadata: EventMetadata) -> SqlUnitOfWork:
        # The engine is read at each command: a test may replace the runtime's engine.
        return SqlUnitOfWork(
            runtime.engine,
            runtime.store,
            event_metadata,
            projections=read_models,
            on_commit=runtime.events_committed,
        )

    app = CaseworkApp(
        settings=settings,
        runtime=runtime,
        runner=CommandRunner(unit_of_work, clock),
        clock=clock,
        queries=CaseworkQueries(runtime),
        index=index,
    )
    subscriptions = CaseworkSubscriptions(runtime.store, clock, read_models)
    runtime.subscriptions = dict.fromkeys(consumed_streams(NAME), subscriptions)
    runtime.jobs.append(
        PeriodicJob("end-monitoring", settings.monitoring_check_seconds, app.end_monitoring_periods)
    )
    runtime.jobs.append(
        PeriodicJob("index-families", settings.monitoring_check_seconds, app.index_families)
    )
    return app
