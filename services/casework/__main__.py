import sys

from services.casework.api import build_api
from services.casework.bootstrap import NAME, build_app
from shared.runtime.main import main

# One composition root per process; the shared command line starts its runtime and its API.
app = build_app()
sys.exit(
    main(NAME, lambda: app.runtime, lambda _runtime, relay, worker: build_api(app, relay, worker))
)
