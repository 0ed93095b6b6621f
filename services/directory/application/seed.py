"""Loading the seed straight through the handlers (no HTTP), idempotently."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.directory.application import handlers
from services.directory.domain.institution import RegisterInstitution, RegonAlreadyRegistered
from services.directory.seed import SeedResult, seed_institutions
from shared.eventstore import EventMetadata
from shared.runtime.logging import get_logger

if TYPE_CHECKING:
    from services.directory.bootstrap import DirectoryApp

log = get_logger(__name__)


async def load_seed_into(app: DirectoryApp, *, metadata: EventMetadata) -> SeedResult:
    """Register every institution of the seed whose REGON is not in the directory yet."""
    created = present = 0
    for details in seed_institutions():
        if await app.queries.institution_by_regon(details.regon) is not None:
            present += 1
            continue
        try:
            await app.runner.run(
                handlers.register_institution, RegisterInstitution(details), metadata
            )
        except RegonAlreadyRegistered:
            present += 1  # registered meanwhile by someone else
        else:
            created += 1
    log.info("directory.seed_loaded", created=created, already_present=present)
    return SeedResult(created=created, already_present=present)
