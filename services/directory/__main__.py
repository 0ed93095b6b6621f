import asyncio
import sys
import uuid

from services.directory.api import build_api
from services.directory.application.seed import load_seed_into
from services.directory.bootstrap import NAME, build_app, build_runtime
from services.directory.settings import DirectorySettings
from shared.eventstore import EventMetadata
from shared.runtime.logging import configure_logging
from shared.runtime.main import main


def seed(_args: list[str]) -> int:
    """Load the Warsaw institutions of the seed into DIRECTORY_DATABASE_URL (idempotent); a
    running directory's relay publishes their events."""
    settings = DirectorySettings()
    configure_logging(NAME, level="WARNING", json=settings.log_json)

    async def run() -> str:
        runtime = build_runtime(settings)
        await runtime.start(relay=False, worker=False)
        try:
            result = await load_seed_into(
                build_app(runtime),
                metadata=EventMetadata(
                    actor="admin:directory-seed", correlation_id=f"seed-{uuid.uuid4()}"
                ),
            )
        finally:
            await runtime.stop()
        return (
            f"Instytucje z danych demonstracyjnych: dodano {result.created}, "
            f"już były {result.already_present}."
        )

    print(asyncio.run(run()))
    return 0


sys.exit(main(NAME, build_runtime, build_api, extra_commands={"seed": seed}))
