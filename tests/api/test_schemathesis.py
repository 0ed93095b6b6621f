"""Property-based tests of every service's OpenAPI schema (schemathesis): generated requests,
authenticated as a role the policy allows, must never cause a server error, and every answer
must match the schema the service publishes (problem details included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.runtime.database import create_engine
from shared.runtime.service import ServiceRuntime
from shared.web.authorization import Policy
from shared.web.dead_letters_api import POLICY as DEAD_LETTERS
from tests.api.test_policy_matrix import _api_routes
from tests.conftest import token


def _services() -> dict[str, Any]:
    from services.casework.access import POLICY as casework_policy
    from services.casework.api import build_api as casework_api
    from services.casework.bootstrap import build_app as casework_app
    from services.casework.settings import CaseworkSettings
    from services.directory.access import POLICY as directory_policy
    from services.directory.api import build_api as directory_api
    from services.directory.bootstrap import build_runtime as directory_runtime
    from services.directory.settings import DirectorySettings
    from services.referrals.access import POLICY as referrals_policy
    from services.referrals.api import build_api as referrals_api
    from services.referrals.bootstrap import build_runtime as referrals_runtime
    from services.referrals.settings import ReferralsSettings
    from services.reporting.access import POLICY as reporting_policy
    from services.reporting.api import build_api as reporting_api
    from services.reporting.bootstrap import build_reporting
    from services.reporting.settings import ReportingSettings

    def plain(runtime: ServiceRuntime, build_api: Any) -> tuple[ServiceRuntime, Any]:
        return runtime, lambda: build_api(runtime)

    def casework(url: str) -> tuple[ServiceRuntime, Any]:
        app = casework_app(CaseworkSettings(database_url=url))
        return app.runtime, lambda: casework_api(app)

    def reporting(url: str) -> tuple[ServiceRuntime, Any]:
        app = build_reporting(ReportingSettings(database_url=url))
        return app.runtime, lambda: reporting_api(app)

    # Per service: a database URL -> its runtime and a builder of its API, and its policy.
    return {
        "referrals": (
            lambda u: plain(referrals_runtime(ReferralsSettings(database_url=u)), referrals_api),
            referrals_policy,
        ),
        "casework": (
            casework,
            casework_policy,
        ),
        "directory": (
            lambda u: plain(directory_runtime(DirectorySettings(database_url=u)), directory_api),
            directory_policy,
        ),
        "reporting": (reporting, reporting_policy),
    }


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _allowed_token(app: FastAPI, policy: Policy, method: str, path: str) -> str:
    """A token of the first role the policy allows on the route, for the whole city."""
    for route in _api_routes(app.routes):
        if route.path == path and method.upper() in route.methods:
            requirement = next(
                (d.call for d in route.dependant.dependencies if hasattr(d.call, "action")), None
            )
            if requirement is not None:
                # The routes every service mounts (the dead letters) have a policy of their own.
                table = {**DEAD_LETTERS.table, **policy.table}
                role = sorted(table[requirement.action].roles)[0]
                return token(role, ("*",))
    return token()


@pytest.mark.parametrize("service", ["referrals", "casework", "directory", "reporting"])
def test_generated_requests_cause_no_server_error_and_match_the_schema(
    service: str, tmp_path: Path
) -> None:
    build, policy = _services()[service]
    url = f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
    runtime, build_api = build(url)
    # The ASGI test client runs each call on its own event loop: no pooled connections.
    runtime.engine = create_engine(url, pooled=False)
    app = build_api()
    app.router.lifespan_context = _schema_only(runtime)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 2
    for operation in operations:
        bearer = _allowed_token(app, policy, operation.method, operation.path)
        try:
            _exercise(operation, {"Authorization": f"Bearer {bearer}"})
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert failures == []


def _exercise(operation: Any, headers: dict[str, str]) -> None:
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _schema_only(runtime: ServiceRuntime) -> Any:
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        await runtime.start(relay=False, worker=False)  # creates the schema; no Redis
        yield

    return lifespan
