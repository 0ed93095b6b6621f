"""Loading the seed straight through the application layer (no HTTP), idempotently."""

from __future__ import annotations

from services.directory.application.institutions import (
    find_institution_by_regon,
    register_institution,
)
from services.directory.domain.institution import RegonAlreadyRegistered
from services.directory.seed import SeedResult, seed_institutions
from shared.eventstore import EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def load_seed_into(runtime: ServiceRuntime, *, metadata: EventMetadata) -> SeedResult:
    """Register every institution of the seed whose REGON is not in the directory yet."""
    created = present = 0
    for details in seed_institutions():
        if await find_institution_by_regon(runtime, details.regon) is not None:
            present += 1
            continue
        try:
            await register_institution(runtime, details=details, metadata=metadata)
        except RegonAlreadyRegistered:
            present += 1  # registered meanwhile by someone else
        else:
            created += 1
    log.info("directory.seed_loaded", created=created, already_present=present)
    return SeedResult(created=created, already_present=present)
