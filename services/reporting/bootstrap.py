"""Reporting's composition root: projections fed by every producing service's stream."""

from __future__ import annotations

from services.reporting.adapters.tables import metadata
from services.reporting.application.projector import project
from services.reporting.metrics import caseload_probe
from services.reporting.settings import ReportingSettings
from shared.domain.clock import Clock
from shared.messaging.streams import PRODUCERS
from shared.runtime.service import ServiceRuntime

NAME = "reporting"


def build_runtime(
    settings: ReportingSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or ReportingSettings()
    return ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=False,
        grows_in_place=True,
        subscriptions=dict.fromkeys(PRODUCERS, project),
        clock=clock or settings.clock(),
        probes=[caseload_probe],
    )
