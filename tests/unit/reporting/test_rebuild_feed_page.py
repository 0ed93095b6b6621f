"""A feed page as the rebuild decodes it: its envelopes validated in one pass; each event
validated where the live path validates it, when the projector asks for it (`event()`): one
that fails to validate, or that this code does not know, fails there, not when read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from services.reporting.application.rebuild import _decode_page, _FeedPage
from shared.events import AssistantRegistered, UnknownEventType
from tests.unit.reporting.feed_events import REGISTERED, feed_envelope


def _page(*events: dict[str, Any]) -> _FeedPage:
    body = json.dumps({"events": list(events), "next_after": len(events), "head": len(events)})
    return _decode_page(body.encode())


def test_the_events_of_a_page_are_the_ones_the_feed_sent() -> None:
    (envelope,) = _page(feed_envelope(REGISTERED)).events
    event = envelope.event()
    assert isinstance(event, AssistantRegistered) and event.first_name == "Ewa"
    # A copy with another payload gives its own.
    other = envelope.model_copy(update={"payload": {**REGISTERED, "first_name": "Anna"}})
    assert other.event().first_name == "Anna"  # type: ignore[attr-defined]


def test_an_invalid_or_unknown_event_fails_when_asked_for_not_when_read() -> None:
    bad, unknown = _page(
        feed_envelope({**REGISTERED, "district": "9999999"}),
        feed_envelope({}, event_type="SomethingFromTheFuture"),
    ).events
    with pytest.raises(ValidationError):
        bad.event()
    with pytest.raises(UnknownEventType):
        unknown.event()


def test_an_invalid_envelope_fails_the_page() -> None:
    with pytest.raises(ValidationError):
        _page({**feed_envelope(REGISTERED), "district": "9999999"})
