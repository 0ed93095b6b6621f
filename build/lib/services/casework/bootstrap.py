"""Casework's composition root: its store, its read model and its reactions to the
referrals and directory streams."""

from __future__ import annotations

from services.casework.adapters.tables import metadata
from services.casework.application.cases import end_expired_monitoring
from services.casework.application.policies import CaseworkPolicies
from services.casework.application.queries import expired_monitoring
from services.casework.settings import CaseworkSettings
from shared.clock import Clock
from shared.runtime import PeriodicJob, ServiceRuntime

NAME = "casework"


def build_runtime(
    settings: CaseworkSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or CaseworkSettings()
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        grows_in_place=True,
        clock=clock or settings.clock(),
    )
    policies = CaseworkPolicies(runtime.store)
    runtime.subscriptions = {
        "referrals": policies.on_referrals_event,
        "directory": policies.on_directory_event,
    }

    async def end_monitoring_periods() -> None:
        expired = await expired_monitoring(runtime, today=runtime.clock.today())
        if expired:
            await end_expired_monitoring(runtime, expired)

    runtime.jobs.append(
        PeriodicJob("end-monitoring", settings.monitoring_check_seconds, end_monitoring_periods)
    )
    return runtime
