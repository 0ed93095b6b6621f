"""The rebuild's reading of a feed: pages asked for ahead (the next one before the one before
it arrived, where the positions run on without a gap), yet every event handed out once, in
the feed's order, whatever gaps the positions have and however the feed lays out its page;
a page that contradicts where its tail said the next one starts stops the rebuild."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from services.reporting.application.rebuild import RebuildFailed, _Feeds
from tests.unit.reporting.feed_events import REGISTERED, feed_envelope


def _event(n: int) -> dict[str, Any]:
    return feed_envelope(REGISTERED, aggregate_id=uuid.UUID(int=n), correlation_id=f"c{n}")


class Feed:
    """A feed over events at the given positions; `layout` writes a page's JSON."""

    def __init__(self, positions: list[int], layout: Any = None, stuck: bool = False) -> None:
        self.events = [(p, _event(p)) for p in positions]
        self.layout = layout or (lambda page: json.dumps(page, separators=(",", ":")))
        self.stuck = stuck  # a broken feed: its pages' next_after stays where it was asked
        self.asked: list[tuple[int, int]] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        limit = int(request.url.params["limit"])
        self.asked.append((after, limit))
        page = [(p, e) for p, e in self.events if p > after][:limit]
        next_after = page[-1][0] if page and not self.stuck else after
        body = self.layout(
            {
                "events": [e for _, e in page],
                "next_after": next_after,
                "head": self.events[-1][0] if self.events else 0,
            }
        )
        return httpx.Response(200, content=body.encode())


async def _read(feed: Feed, page_size: int = 7) -> list[str]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(feed.handle)) as client:
        reader = _Feeds(client, {"casework": "http://casework"}, page_size)
        seen = []
        async for envelopes in reader.pages("casework"):
            seen += [e.correlation_id for e in envelopes]
        assert reader.positions["casework"] == (feed.events[-1][0] if feed.events else 0)
        return seen


@pytest.mark.parametrize(
    "positions",
    [
        list(range(1, 60)),  # no gap: every page asked for early is the one needed
        [p for p in range(1, 90) if p % 5],  # a gap in every page
        list(range(1, 20)) + list(range(40, 60)) + [100],  # a few gaps, far apart
        [],
    ],
    ids=["dense", "gaps", "some-gaps", "empty"],
)
async def test_every_event_is_read_once_in_the_feed_s_order(positions: list[int]) -> None:
    feed = Feed(positions)
    assert await _read(feed) == [f"c{p}" for p in positions]


async def test_pages_are_asked_for_early_where_the_positions_run_on() -> None:
    feed = Feed(list(range(1, 200)))
    await _read(feed, page_size=16)
    # Every request is one the reading needed: none made early was thrown away.
    starts = [after for after, _ in feed.asked]
    assert len(starts) == len(set(starts))


async def test_a_feed_laying_its_page_out_otherwise_is_read_all_the_same() -> None:
    def keys_first(page: dict[str, Any]) -> str:
        return json.dumps({"head": page["head"], "next_after": page["next_after"], **page})

    feed = Feed([p for p in range(1, 50) if p % 3], layout=keys_first)
    assert await _read(feed) == [f"c{p}" for p in range(1, 50) if p % 3]


async def test_a_page_of_events_that_does_not_move_the_position_stops_the_rebuild() -> None:
    """Rather than reading the same page for ever, or taking it for the head."""
    with pytest.raises(RebuildFailed):
        await _read(Feed(list(range(1, 30)), stuck=True))
