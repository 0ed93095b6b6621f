"""What referrals does with casework's events: a table from event type to a reaction. It
follows which families have an active case (a granted referral stays held in the family index
until its case is known here), for duplicates and courts' requests for an opinion."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from services.referrals.application.ports import FamilyIndex
from shared.events import (
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    DomainEvent,
    Envelope,
    TransferDeclined,
)

E = TypeVar("E", bound=DomainEvent)

Reaction = Callable[[FamilyIndex, Envelope], Awaitable[None]]


async def case_opened(index: FamilyIndex, envelope: Envelope) -> None:
    event = _event(envelope, CaseOpened)
    await index.release(event.referral_id)
    await index.case_opened(
        envelope.aggregate_id, event.family_id, envelope.district, event.members
    )


async def case_ended(index: FamilyIndex, envelope: Envelope) -> None:
    await index.case_active(envelope.aggregate_id, False)


async def case_reopened(index: FamilyIndex, envelope: Envelope) -> None:
    await index.case_active(envelope.aggregate_id, True)


async def case_transferred(index: FamilyIndex, envelope: Envelope) -> None:
    await index.case_moved(envelope.aggregate_id, envelope.district)


REACTIONS: Mapping[str, Reaction] = {
    CaseOpened.event_type: case_opened,
    CaseClosed.event_type: case_ended,
    TransferDeclined.event_type: case_ended,
    CaseReopened.event_type: case_reopened,
    CaseTransferred.event_type: case_transferred,
}


async def react(index: FamilyIndex, envelope: Envelope) -> None:
    """Apply casework's event to the index; other events of casework's stream concern no
    family's identity and are passed over."""
    reaction = REACTIONS.get(envelope.event_type)
    if reaction is not None:
        await reaction(index, envelope)


def _event(envelope: Envelope, kind: type[E]) -> E:
    """The envelope's event, of the type the table filed it under."""
    event = envelope.event()
    if not isinstance(event, kind):
        raise TypeError(f"{envelope.event_type} is not {kind.__name__}")
    return event
