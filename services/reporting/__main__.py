import argparse
import sys
from datetime import timedelta

from services.reporting.api import build_api
from services.reporting.application.rebuild import (
    PAGE_SIZE,
    RebuildFailed,
    print_progress_bar,
    rebuild_projections,
)
from services.reporting.bootstrap import NAME, ReportingApp, build_reporting
from shared.runtime.logging import configure_logging
from shared.runtime.loop import run as run_on_fast_loop
from shared.runtime.main import main
from shared.web.auth import Role, issue_token


def rebuild(reporting: ReportingApp, argv: list[str]) -> int:
    """Rebuild every projection from the services' event feeds, with a progress bar. On
    PostgreSQL into fresh tables swapped in when caught up (the live ones serve meanwhile);
    `--in-place` (and SQLite always) empties and refills the live ones."""
    parser = argparse.ArgumentParser(prog="python -m services.reporting rebuild")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="opróżnij i wypełnij bieżące projekcje (bez podmiany; zawsze na SQLite)",
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=PAGE_SIZE,
        help=f"zdarzeń na stronę kanału (najwyżej {PAGE_SIZE})",
    )
    args = parser.parse_args(argv)
    settings = reporting.settings
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
        await reporting.runtime.start(relay=False, worker=False)
        try:
            return await rebuild_projections(
                reporting,
                feeds=settings.feed_urls(),
                token=token,
                progress=print_progress_bar,
                swap=False if args.in_place else None,
                page_size=max(1, min(args.page_size, PAGE_SIZE)),
            )
        finally:
            await reporting.engine.dispose()

    try:
        # Hours on a city's history: uvloop's C loop, as the services run on.
        count = run_on_fast_loop(run())
    except RebuildFailed as exc:
        # Nothing was swapped: the live projections serve as before.
        print(f"Odbudowa przerwana, projekcje bieżące bez zmian: {exc}", file=sys.stderr)
        return 4
    print(f"Odbudowano projekcje z {count} zdarzeń.")
    return 0


def run() -> int:
    reporting = build_reporting()
    return main(
        NAME,
        lambda: reporting.runtime,
        lambda _runtime, relay, worker: build_api(reporting, relay, worker),
        extra_commands={"rebuild": lambda args: rebuild(reporting, args)},
    )


sys.exit(run())
