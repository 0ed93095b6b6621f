"""Reporting's composition root: settings -> the runtime (its database, the bus, a subscription
to every producing service's stream, applied by the projector) -> one typed `ReportingApp`,
which the routes (as an `Annotated` dependency), the worker and the rebuild command are
handed. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.mail import MailTransport, transport_for
from services.reporting.adapters.tables import assistant_logins, metadata
from services.reporting.application.digest import Digest, due_now
from services.reporting.application.projector import APPLY, project
from services.reporting.metrics import caseload_probe
from services.reporting.settings import ReportingSettings
from shared.domain.clock import Clock
from shared.messaging.streams import consumed_streams
from shared.runtime.assistant_logins import lookup_in
from shared.runtime.service import PeriodicJob, ServiceRuntime

NAME = "reporting"
# The schema history of the service's database (Alembic; see shared.migrations).
MIGRATIONS = Path(__file__).parent / "migrations"


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

    @property
    def reads(self) -> AsyncEngine:
        """The engine for the reports' reads (no BEGIN and ROLLBACK around them)."""
        return self.runtime.reads


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
        migrations=MIGRATIONS,
        subscriptions=dict.fromkeys(consumed_streams(NAME), project),
        handled_types=dict.fromkeys(consumed_streams(NAME), frozenset(APPLY)),
        clock=clock,
        probes=[caseload_probe],
    )
    runtime.assistant_logins = lookup_in(lambda: runtime.reads, assistant_logins)
    runtime.jobs.append(daily_digest_job(settings, runtime, clock))
    return ReportingApp(settings=settings, runtime=runtime, clock=clock)


def build_digest(
    settings: ReportingSettings,
    runtime: ServiceRuntime,
    clock: Clock,
    transport: MailTransport | None = None,
) -> Digest:
    return Digest(
        engine=runtime.engine,
        clock=clock,
        transport=transport or transport_for(settings),
        sender=settings.smtp_sender,
        head_emails=settings.head_emails,
        assistant_emails=settings.assistant_emails,
    )


def daily_digest_job(
    settings: ReportingSettings, runtime: ServiceRuntime, clock: Clock
) -> PeriodicJob:
    """The reminders' e-mail, checked every few minutes by each worker: from the configured
    hour (Warsaw time) the day's digests are decided and sent once (the database says who
    already got theirs), before it only what an earlier pass left unsent is retried."""

    async def run() -> None:
        # Built per pass: a test may hand the runtime another engine after start-up.
        digest = build_digest(settings, runtime, clock)
        if due_now(clock, settings.digest_hour):
            await digest.run()
        else:
            await digest.send_pending()

    return PeriodicJob("reporting-daily-digest", settings.digest_check_seconds, run)
