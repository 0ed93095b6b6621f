import asyncio
import sys
from datetime import timedelta

from services.reporting.api import build_api
from services.reporting.application.rebuild import print_progress_bar, rebuild_projections
from services.reporting.bootstrap import NAME, build_runtime
from services.reporting.settings import ReportingSettings
from shared.auth import Role, issue_token
from shared.logging import configure_logging
from shared.service_main import main


def rebuild(_args: list[str]) -> int:
    """Rebuild every projection from the services' event feeds, with a progress bar."""
    settings = ReportingSettings()
    configure_logging(NAME, level="WARNING", json=settings.log_json)
    token = settings.service_token or issue_token(
        settings.signing_secret(),
        subject="reporting-rebuild",
        role=Role.SERVICE,
        districts=["*"],
        audience=settings.jwt_audience,
        ttl=timedelta(hours=1),
    )

    async def run() -> int:
        runtime = build_runtime(settings)
        await runtime.start(relay=False, worker=False)
        try:
            return await rebuild_projections(
                runtime, feeds=settings.feed_urls(), token=token, progress=print_progress_bar
            )
        finally:
            await runtime.engine.dispose()

    count = asyncio.run(run())
    print(f"Odbudowano projekcje z {count} zdarzeń.")
    return 0


sys.exit(main(NAME, build_runtime, build_api, extra_commands={"rebuild": rebuild}))
