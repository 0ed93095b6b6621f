"""Who consumes what is declared once (shared.messaging.streams)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.messaging.streams import (
    consumed_streams,
    consuming_services,
    expected_groups,
    parse_extra_groups,
)


def test_each_service_consumes_the_streams_the_declaration_names() -> None:
    assert consumed_streams("reporting") == ("referrals", "casework", "directory")
    assert consumed_streams("casework") == ("referrals", "directory")
    assert consumed_streams("referrals") == ("casework",)
    assert consumed_streams("directory") == ()
    assert consuming_services() == ("casework", "referrals", "reporting")


def test_a_relay_waits_for_every_consuming_service_and_the_configured_extra_groups() -> None:
    extra = parse_extra_groups(" reporting:reporting-b, reporting:reporting-c ,")
    assert extra == {"reporting": ("reporting-b", "reporting-c")}
    assert expected_groups("casework", extra) == (
        "referrals",
        "reporting",
        "reporting-b",
        "reporting-c",
    )
    assert expected_groups("directory") == ("casework", "reporting")


def test_an_extra_group_without_its_service_is_refused() -> None:
    with pytest.raises(ValueError, match="service:group"):
        parse_extra_groups("reporting-b")


def test_each_service_subscribes_to_what_the_declaration_says(tmp_path: Path) -> None:
    from services.casework.bootstrap import build_app as casework_app
    from services.casework.settings import CaseworkSettings
    from services.directory.bootstrap import build_runtime as directory_runtime
    from services.directory.settings import DirectorySettings
    from services.referrals.bootstrap import build_runtime as referrals_runtime
    from services.referrals.settings import ReferralsSettings
    from services.reporting.bootstrap import build_reporting
    from services.reporting.settings import ReportingSettings

    def url(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"

    runtimes = {
        "casework": casework_app(CaseworkSettings(database_url=url("c"))).runtime,
        "referrals": referrals_runtime(ReferralsSettings(database_url=url("r"))),
        "directory": directory_runtime(DirectorySettings(database_url=url("d"))),
        "reporting": build_reporting(ReportingSettings(database_url=url("p"))).runtime,
    }
    for service, runtime in runtimes.items():
        assert tuple(runtime.subscriptions) == consumed_streams(service), service
