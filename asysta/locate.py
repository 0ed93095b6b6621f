"""Where the deployment is: settings from the environment, as the services read them; under
`make run`, the embedded Redis's URL from the file the launcher writes (`.asysta/redis-url`)
and the SQLite files under `.asysta/` (the services' defaults)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from services.casework.settings import CaseworkSettings
from services.directory.settings import DirectorySettings
from services.referrals.settings import ReferralsSettings
from services.reporting.settings import ReportingSettings
from shared.migrations.runner import Migrations
from shared.runtime.settings import ServiceSettings

SERVICES = ("referrals", "casework", "directory", "reporting")
DEFAULT_PORTS = {"referrals": 8001, "casework": 8002, "directory": 8003, "reporting": 8004}
REDIS_URL_FILE = "redis-url"

_SETTINGS: dict[str, type[ServiceSettings]] = {
    "referrals": ReferralsSettings,
    "casework": CaseworkSettings,
    "directory": DirectorySettings,
    "reporting": ReportingSettings,
}


class NotConfigured(Exception):
    """A setting the command needs is missing or invalid (exit code 2)."""


def data_dir() -> Path:
    return Path(os.environ.get("ASYSTA_DATA_DIR", ".asysta"))


def settings_of(service: str) -> ServiceSettings:
    try:
        settings = _SETTINGS[service]()
    except ValidationError as exc:
        problems = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        raise NotConfigured(f"{service}: {problems}") from exc
    if not os.environ.get(f"{service.upper()}_DATABASE_URL"):
        # As `make run` (or `suite.launcher run --data-dir`) lays its SQLite files out.
        url = f"sqlite+aiosqlite:///{data_dir() / (service + '.db')}"
        settings = settings.model_copy(update={"database_url": url})
    return settings


def migrations_of(service: str) -> Migrations:
    """The service's schema history, as its composition root names it."""
    import importlib

    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    return Migrations(service, bootstrap.MIGRATIONS)


def redis_url() -> str:
    """REDIS_URL, or the embedded Redis of a running `make run`."""
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    written = data_dir() / REDIS_URL_FILE
    if written.is_file():
        return written.read_text().strip()
    raise NotConfigured(
        "Brak REDIS_URL i nie działa `make run` (brak .asysta/redis-url). "
        "Ustaw REDIS_URL albo uruchom `make run`."
    )


def service_url(service: str) -> str:
    """The base URL of a service's API: <SERVICE>_URL, or its port on this machine."""
    url = os.environ.get(f"{service.upper()}_URL")
    if url:
        return url.rstrip("/")
    port = os.environ.get(f"{service.upper()}_PORT", str(DEFAULT_PORTS[service]))
    return f"http://127.0.0.1:{port}"


def redacted(url: str) -> str:
    """A URL fit to print: its password replaced."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
