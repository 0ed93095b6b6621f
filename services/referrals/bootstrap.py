"""The referrals service's composition root."""

from __future__ import annotations

from services.referrals.adapters.tables import metadata
from services.referrals.settings import ReferralsSettings
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime

NAME = "referrals"


def build_runtime(
    settings: ReferralsSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    return ServiceRuntime(
        name=NAME,
        settings=settings or ReferralsSettings(),
        metadata=metadata,
        produces_events=True,
        clock=clock or SystemClock(),
    )
