"""Casework's composition root: its store, its read model and its reactions to the
referrals and directory streams."""

from __future__ import annotations

from services.casework.adapters.tables import metadata
from services.casework.application.policies import CaseworkPolicies
from services.casework.settings import CaseworkSettings
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime

NAME = "casework"


def build_runtime(
    settings: CaseworkSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings or CaseworkSettings(),
        metadata=metadata,
        produces_events=True,
        clock=clock or SystemClock(),
    )
    policies = CaseworkPolicies(runtime.store)
    runtime.subscriptions = {
        "referrals": policies.on_referrals_event,
        "directory": policies.on_directory_event,
    }
    return runtime
