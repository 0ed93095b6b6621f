"""Who consumes what is declared once (shared.messaging.streams)."""

from __future__ import annotations

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
