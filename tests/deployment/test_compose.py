"""docker-compose.yml: valid against the Compose specification, and what a deployment needs.
The Docker engine does not run here, so the file is checked, not started."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_file_validates_against_the_compose_specification() -> None:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool, "check-jsonschema is installed with the dev dependencies"
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_redis_keeps_an_append_only_file() -> None:
    redis = compose()["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in redis["volumes"])


def test_every_service_has_an_api_and_the_subscribers_a_worker() -> None:
    services = compose()["services"]
    for name in ("referrals", "casework", "directory", "reporting"):
        assert services[name]["command"][-2:] == [f"services.{name}", "api"]
        assert "healthcheck" in services[name]
    for name in ("referrals", "casework", "reporting"):
        assert services[f"{name}-worker"]["command"][-2:] == [f"services.{name}", "worker"]


def test_services_start_after_healthy_dependencies() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if name in ("redis", "postgres"):
            assert "healthcheck" in service
            continue
        conditions = {dep["condition"] for dep in service["depends_on"].values()}
        assert conditions <= {"service_healthy", "service_completed_successfully"}, name


def test_the_migration_runs_once_before_any_service_starts() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "asysta", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("referrals", "casework", "directory", "reporting"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name


def test_no_default_secret_in_deployment() -> None:
    text = COMPOSE.read_text()
    assert "${ASYSTA_JWT_SECRET:?" in text
    assert "${ASYSTA_DATA_KEY:?" in text
    for name, service in compose()["services"].items():
        env = service.get("environment", {})
        assert env.get("ASYSTA_ENV", "production") == "production", name


SECRETS = ("ASYSTA_JWT_SECRET", "ASYSTA_DATA_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD")


def test_every_secret_is_required_and_none_defaulted() -> None:
    text = COMPOSE.read_text()
    for name in SECRETS:
        assert "${" + name + ":?" in text, name
        for defaulted in (f"${{{name}:-", f"${{{name}-", f"${{{name}}}"):
            assert defaulted not in text, defaulted


def test_redis_requires_a_password_and_every_client_gives_it() -> None:
    services = compose()["services"]
    command = services["redis"]["command"]
    assert command[command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    for name, service in services.items():
        url = service.get("environment", {}).get("REDIS_URL")
        if url is not None:
            assert url.startswith("redis://:${REDIS_PASSWORD:?"), name


def test_no_api_is_published_on_the_host() -> None:
    for name, service in compose()["services"].items():
        if name == "web":  # the web app is the one way in
            continue
        assert "ports" not in service, f"{name} publishes {service.get('ports')}"


def test_every_secret_is_listed_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    deployment = readme[readme.index("## Deployment") :]
    for name in SECRETS:
        assert f"`{name}`" in deployment, name
    assert "pg_dump" in deployment and "appendonly" in deployment.lower()


def test_workers_serve_metrics_and_are_checked_on_them() -> None:
    for name, service in compose()["services"].items():
        if name.endswith("-worker"):
            assert service["environment"]["ASYSTA_METRICS_PORT"] == "9100", name
            assert "9100/metrics" in " ".join(service["healthcheck"]["test"]), name
