"""The referrals service's composition root."""

from __future__ import annotations

from services.referrals.adapters.tables import metadata
from services.referrals.settings import ReferralsSettings
from shared.clock import Clock
from shared.runtime import ServiceRuntime

NAME = "referrals"


def build_runtime(
    settings: ReferralsSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or ReferralsSettings()
    return ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        clock=clock or settings.clock(),
    )
