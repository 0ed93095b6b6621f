"""How casework reacts to other services' events: a table keyed by event type that turns each
event into the same command, run by the same handler, as the API would.

A reaction a rule refuses (a court's request for a closed case, say) is logged and not
retried: the same event would be refused again, and the stream must move on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from services.casework.application import handlers
from services.casework.domain.case.commands import LinkReferral, OpenCase, RequestCourtOpinion
from services.casework.domain.caseload.commands import (
    OpenCaseload,
    ResumeCaseload,
    SuspendCaseload,
)
from shared.domain.clock import Clock
from shared.domain.errors import DomainError
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    CourtOpinionRequestReceived,
    Envelope,
    ReferralLinked,
)
from shared.events.directory import AssistantDeactivated, AssistantReactivated
from shared.eventstore.runner import CommandRunner
from shared.eventstore.store import EventMetadata
from shared.eventstore.unit_of_work import UnitOfWork
from shared.runtime.logging import get_logger

log = get_logger(__name__)

_CASE_IDS = uuid.UUID("6f1d3a52-8c1e-4b8e-9a57-0c1f5e0a7d11")


def case_id_for(referral_id: UUID) -> UUID:
    """A granted referral opens exactly one case, whose id follows from the referral's."""
    return uuid.uuid5(_CASE_IDS, str(referral_id))


@dataclass(frozen=True)
class Order:
    """A command and the handler that carries it out."""

    handler: Callable[[Any, UnitOfWork, Clock], Awaitable[object]]
    command: object


def _open_case(envelope: Envelope, event: AssistanceGranted) -> Order:
    return Order(
        handlers.open_case,
        OpenCase(
            case_id=case_id_for(envelope.aggregate_id),
            referral_id=envelope.aggregate_id,
            family_id=event.family_id,
            district=envelope.district,
            source=event.source,
            obligatory=event.obligatory,
            opened_on=event.decided_on,
            members=event.members,
        ),
    )


def _request_court_opinion(envelope: Envelope, event: CourtOpinionRequestReceived) -> Order:
    return Order(
        handlers.request_court_opinion,
        RequestCourtOpinion(
            case_id=event.case_id,
            request_id=envelope.aggregate_id,
            court_name=event.court_name,
            case_signature=event.case_signature,
            requested_on=event.received_on,
            deadline=event.deadline,
        ),
    )


def _link_referral(envelope: Envelope, event: ReferralLinked) -> Order | None:
    if event.to_case_id is None:
        return None  # linked to another referral, not to a case
    return Order(
        handlers.link_referral,
        LinkReferral(
            case_id=event.to_case_id,
            referral_id=envelope.aggregate_id,
            source=event.source,
            sender_reference=event.sender_reference,
            referred_on=event.referred_on,
        ),
    )


def _open_caseload(envelope: Envelope, event: AssistantRegistered) -> Order:
    return Order(
        handlers.open_caseload,
        OpenCaseload(
            assistant_id=envelope.aggregate_id,
            district=event.district,
            name=f"{event.first_name} {event.last_name}",
        ),
    )


def _suspend_caseload(envelope: Envelope, event: AssistantDeactivated) -> Order:
    return Order(
        handlers.suspend_caseload,
        SuspendCaseload(assistant_id=envelope.aggregate_id, since=event.ended_on),
    )


def _resume_caseload(envelope: Envelope, event: AssistantReactivated) -> Order:
    return Order(
        handlers.resume_caseload,
        ResumeCaseload(assistant_id=envelope.aggregate_id, since=event.resumed_on),
    )


REACTIONS: dict[str, Callable[[Envelope, Any], Order | None]] = {
    AssistanceGranted.event_type: _open_case,
    CourtOpinionRequestReceived.event_type: _request_court_opinion,
    ReferralLinked.event_type: _link_referral,
    AssistantRegistered.event_type: _open_caseload,
    AssistantDeactivated.event_type: _suspend_caseload,
    AssistantReactivated.event_type: _resume_caseload,
}
"""Another service's event type -> the command it asks of casework (None: nothing to do)."""


def caused_by(envelope: Envelope) -> EventMetadata:
    return EventMetadata(
        actor=envelope.actor,
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )


async def react(envelope: Envelope, runner: CommandRunner[Any]) -> None:
    """Run the command the event asks for, if any. A refusal by a rule is logged and the event
    counts as handled (retrying would be refused again); anything else propagates, so the
    inbox retries it and, in the end, dead-letters it."""
    to_order = REACTIONS.get(envelope.event_type)
    if to_order is None:
        return
    order = to_order(envelope, envelope.event())
    if order is None:
        return
    try:
        await runner.run(order.handler, order.command, caused_by(envelope))
    except (DomainError, ValidationError) as refused:
        log.warning(
            "reaction.refused",
            event_type=envelope.event_type,
            event_id=str(envelope.event_id),
            code=getattr(refused, "code", "invalid-event"),
        )
