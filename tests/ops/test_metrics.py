"""/metrics of a running API: HTTP by route template and status, the event store, the outbox,
consumer groups, dead letters, projection lag and caseload; no raw path or id as a label."""

from __future__ import annotations

import uuid

from tests.ops.conftest import OCHOTA, Pair, register_assistant, value
from tests.waiting import eventually


def _count(text: str, name: str, **labels: str) -> float:
    return value(text, name, **labels) or 0.0


async def test_every_figure_is_exported_with_bounded_labels(pair: Pair) -> None:
    # Counters live as long as the process (the test session): compare with a first scrape.
    before = (await pair.directory.get("/metrics")).text
    lag_name = "asysta_projection_lag_seconds_count"
    lag_labels = {"service": "reporting", "source": "directory"}
    lag_before = _count((await pair.reporting.get("/metrics")).text, lag_name, **lag_labels)
    assistant_id = await register_assistant(pair)
    missing = uuid.uuid4()
    assert (await pair.directory.get(f"/assistants/{missing}")).status_code == 404
    assert (
        await pair.directory.get(f"/assistants/{missing}?q=x", headers={"Authorization": ""})
    ).status_code == 401

    async def projected() -> str | None:
        # The lag is observed as the effect is applied; the commit and the ack follow.
        text = (await pair.reporting.get("/metrics")).text
        done = (
            _count(text, lag_name, **lag_labels) > lag_before
            and value(text, "asysta_caseload_limit_families", district=OCHOTA) == 15
            and value(
                text,
                "asysta_consumer_group_pending_messages",
                stream="directory",
                group="reporting",
            )
            == 0
        )
        return text if done else None

    reporting = await eventually(projected, what="the assistant in reporting's caseload")
    directory = (await pair.directory.get("/metrics")).text

    route = "/assistants/{assistant_id}"

    def delta(name: str, **labels: str) -> float:
        return _count(directory, name, **labels) - _count(before, name, **labels)

    requests = "asysta_http_requests_total"
    assert delta(requests, service="directory", route=route, status="404") == 1
    assert delta(requests, service="directory", route=route, status="401") == 1
    assert delta(requests, service="directory", route="/assistants", status="201") == 1
    assert delta(requests, service="directory", route="/metrics", status="200") == 1
    duration = "asysta_http_request_duration_seconds_count"
    assert delta(duration, service="directory", method="GET", route=route) == 2
    for text in (directory, reporting):
        assert assistant_id not in text and str(missing) not in text and "q=x" not in text

    assert value(directory, "asysta_events_appended_total", service="directory") == 1
    assert value(directory, "asysta_outbox_waiting_events", service="directory") == 0
    assert value(directory, "asysta_outbox_oldest_age_seconds", service="directory") == 0
    assert value(reporting, "asysta_caseload_limit_families", district=OCHOTA) == 15
    assert value(reporting, "asysta_caseload_families", district=OCHOTA) == 0
    assert _count(reporting, lag_name, **lag_labels) == lag_before + 1
    for stream in ("referrals", "casework", "directory"):
        assert (
            value(reporting, "asysta_consumer_group_lag_messages", stream=stream, group="reporting")
            == 0
        )
        assert (
            value(
                reporting,
                "asysta_consumer_group_pending_messages",
                stream=stream,
                group="reporting",
            )
            == 0
        )
    assert value(reporting, "asysta_dead_letters_messages", group="reporting") == 0


async def test_the_outbox_age_shows_events_waiting(pair: Pair) -> None:
    # Stop the relay: events stay in the outbox and age.
    directory = pair.runtimes[0]
    assert directory.relay is not None
    for task in directory._tasks:
        if task.get_name() == "directory-relay":
            task.cancel()
    await register_assistant(pair)

    async def aged() -> float | None:
        text = (await pair.directory.get("/metrics")).text
        age = value(text, "asysta_outbox_oldest_age_seconds", service="directory")
        waiting = value(text, "asysta_outbox_waiting_events", service="directory")
        return age if waiting == 1 and age and age > 0 else None

    assert await eventually(aged, what="an aging outbox") > 0
