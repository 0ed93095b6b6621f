"""`python -m bench.web --small` runs end to end: the suite and the web app as processes on
PostgreSQL and Redis, the district made a year ago and its history written through casework's
handlers, both pages measured against their API calls (2 assistants × 2 families, 5 rounds)."""

from __future__ import annotations

import pytest

from bench import web
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.e2e


def test_the_small_web_bench_measures_both_pages_against_their_api_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = web.run(web.parse(["--small"]), redis_url=REDIS_URL)

    # The six weeks of four cases went through the handlers (visits, a plan, an assessment).
    assert result["parameters"]["history_commands"] >= 4 * 6
    by_page = {r["page"]: r for r in result["results"]}
    assert set(by_page) == {"/assistant", "/head"}
    # Each page showed what was made: the assistant's two families; on the desk, the two
    # referrals awaiting a decision and the one case waiting for an assistant.
    assert by_page["/assistant"]["listed"]["casework /cases"] == 2
    desk = by_page["/head"]["listed"]
    assert desk["referrals /referrals?status=awaiting_decision"] == 2
    assert desk["casework /waiting-list"] == 1
    for figures in by_page.values():
        assert figures["requests"] == 5
        assert figures["api_median_ms"] > 0
        assert figures["page_median_ms"] > 0
        ratio = figures["page_median_ms"] / figures["api_median_ms"]
        assert figures["ratio_median"] == pytest.approx(ratio, rel=0.02)
    printed = capsys.readouterr().out
    assert "/assistant (assistant)" in printed and "/head (head)" in printed
    assert "ratio med" in printed
