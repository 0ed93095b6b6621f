"""The referrals service's composition root: its store, its read models and the index of
families it keeps from casework's stream (for duplicates and court requests)."""

from __future__ import annotations

from services.referrals.adapters.tables import metadata
from services.referrals.application.family_index import FamilyIndex
from services.referrals.settings import ReferralsSettings
from shared.clock import Clock
from shared.runtime import ServiceRuntime

NAME = "referrals"


def build_runtime(
    settings: ReferralsSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    settings = settings or ReferralsSettings()
    index = FamilyIndex(settings.lookup_key())
    return ServiceRuntime(
        name=NAME,
        settings=settings,
        metadata=metadata,
        produces_events=True,
        subscriptions={"casework": index.on_casework_event},
        clock=clock or settings.clock(),
    )
