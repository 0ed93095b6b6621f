"""`python -m services.web`: the web app on WEB_HOST:WEB_PORT (127.0.0.1:8000 by default)."""

import contextlib
import logging
import sys

import uvicorn

from services.web.app import create_app
from services.web.settings import WebSettings
from shared.runtime.logging import configure_logging


def main() -> int:
    settings = WebSettings()
    configure_logging("web", level="INFO", json=None)
    # httpx logs every call's URL at INFO; the services log their own requests.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


sys.exit(main())
