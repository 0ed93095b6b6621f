"""deploy/helm/asysta rendered with its default and its production values (no `helm` binary
here: tests/deployment/gotemplate.py renders the subset of Go templates the chart uses) and
every manifest validated offline: built-in kinds against the Kubernetes schemas of
`kubernetes-validate`, the custom resources (ServiceMonitor, ScaledObject,
TriggerAuthentication) against the schemas in tests/deployment/crd_schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deployment.gotemplate import deep_merge, render

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "asysta"
CRD_SCHEMAS = Path(__file__).parent / "crd_schemas"
KUBERNETES = "1.30.0"
APIS = ("referrals", "casework", "directory", "reporting")
WORKERS = ("referrals", "casework", "reporting")
SECRET_KEYS = ("ASYSTA_JWT_SECRET", "ASYSTA_DATA_KEY", "REDIS_URL", "REDIS_PASSWORD")


def rendered(values_file: str | None) -> list[dict[str, Any]]:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    if values_file:
        values = deep_merge(values, yaml.safe_load((CHART / values_file).read_text()))
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    release = {"Name": "asysta", "Namespace": "asysta", "Service": "Helm"}
    documents: list[dict[str, Any]] = []
    for template in sorted((CHART / "templates").glob("*.yaml")):
        text = render(template.read_text(), values, release, {"Name": chart["name"]})
        documents.extend(d for d in yaml.safe_load_all(text) if d)
    return documents


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


@pytest.fixture(params=[None, "values-production.yaml"], ids=["default", "production"])
def manifests(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return rendered(request.param)


def test_every_manifest_is_valid(manifests: list[dict[str, Any]]) -> None:
    for manifest in manifests:
        schema_file = CRD_SCHEMAS / f"{manifest['kind']}.json"
        if schema_file.exists():
            jsonschema.validate(manifest, json.loads(schema_file.read_text()))
        else:
            kubernetes_validate.validate(manifest, KUBERNETES, strict=True)


def test_a_deployment_per_api_and_per_worker_group(manifests: list[dict[str, Any]]) -> None:
    deployments = by_kind(manifests, "Deployment")
    assert set(deployments) == {
        *(f"asysta-{name}" for name in APIS),
        *(f"asysta-{name}-worker" for name in WORKERS),
        "asysta-web",
    }
    for name in APIS:
        container = deployments[f"asysta-{name}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"services.{name}", "api"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["resources"]["requests"]["cpu"]
    for name in WORKERS:
        container = deployments[f"asysta-{name}-worker"]["spec"]["template"]["spec"]["containers"][
            0
        ]
        assert container["command"] == ["python", "-m", f"services.{name}", "worker"]
        assert {"name": "ASYSTA_METRICS_PORT", "value": "9100"} in container["env"]
        assert container["resources"]["requests"]["memory"]
    pdbs = by_kind(manifests, "PodDisruptionBudget")
    assert set(pdbs) == set(deployments)
    monitors = by_kind(manifests, "ServiceMonitor")
    assert set(monitors) == set(deployments) - {"asysta-web"}


def test_secrets_are_referenced_never_embedded(manifests: list[dict[str, Any]]) -> None:
    assert not by_kind(manifests, "Secret")
    text = yaml.safe_dump_all(manifests)
    for key in SECRET_KEYS:
        assert f"name: {key}\n" not in text, key  # no env entry carries a secret's value
    for deployment in by_kind(manifests, "Deployment").values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        refs = [
            source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source
        ]
        assert refs and refs[0].startswith("asysta-")
    auth = by_kind(manifests, "TriggerAuthentication")["asysta-redis"]
    assert auth["spec"]["secretTargetRef"][0]["key"] == "REDIS_PASSWORD"


def test_the_migration_job_runs_before_the_release(manifests: list[dict[str, Any]]) -> None:
    job = by_kind(manifests, "Job")["asysta-migrate"]
    assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "asysta", "migrate"]


def test_only_the_web_app_is_exposed(manifests: list[dict[str, Any]]) -> None:
    services = by_kind(manifests, "Service")
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services.values())
    ingresses = by_kind(manifests, "Ingress")
    assert list(ingresses) == ["asysta-web"]
    backend = ingresses["asysta-web"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["name"] == "asysta-web"


def test_keda_scales_reporting_workers_on_their_group_lag(manifests: list[dict[str, Any]]) -> None:
    scaled = by_kind(manifests, "ScaledObject")
    assert list(scaled) == ["asysta-reporting-worker"]
    spec = scaled["asysta-reporting-worker"]["spec"]
    assert spec["scaleTargetRef"]["name"] == "asysta-reporting-worker"
    streams = set()
    for trigger in spec["triggers"]:
        assert trigger["type"] == "redis-streams"
        assert trigger["metadata"]["consumerGroup"] == "reporting"
        assert int(trigger["metadata"]["lagCount"]) > 0
        streams.add(trigger["metadata"]["stream"])
    # The stream names the services use, with a hash tag for Redis Cluster.
    assert streams == {
        "{asysta}:referrals.events",
        "{asysta}:casework.events",
        "{asysta}:directory.events",
    }


def test_production_values_change_what_they_say() -> None:
    default, production = rendered(None), rendered("values-production.yaml")
    assert by_kind(default, "Deployment")["asysta-casework"]["spec"]["replicas"] == 2
    assert by_kind(production, "Deployment")["asysta-casework"]["spec"]["replicas"] == 3
    assert "tls" not in by_kind(default, "Ingress")["asysta-web"]["spec"]
    assert (
        by_kind(production, "Ingress")["asysta-web"]["spec"]["tls"][0]["secretName"] == "asysta-tls"
    )
    monitor = by_kind(production, "ServiceMonitor")["asysta-reporting"]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_the_renderer_refuses_what_it_does_not_know() -> None:
    from tests.deployment.gotemplate import TemplateError

    with pytest.raises(TemplateError):
        render('{{ include "x" . }}', {}, {}, {})
