"""How casework reacts to other services' events. Each reaction runs in the inbox's
transaction, so the event is tracked as handled exactly when its effect is stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.application.case_index import project_case, project_caseload
from services.casework.domain import case as rules
from services.casework.domain import caseload as caseload_rules
from services.casework.domain.case import CASE, Case, OpenCase, RequestCourtOpinion
from services.casework.domain.caseload import CASELOAD
from shared.errors import DomainError
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    CourtOpinionRequestReceived,
    DomainEvent,
    Envelope,
    FamilyDataErased,
    ReferralLinked,
)
from shared.events.directory import AssistantDeactivated, AssistantReactivated
from shared.eventstore import Aggregate, EventMetadata, EventStore
from shared.logging import get_logger

log = get_logger(__name__)

_CASE_IDS = uuid.UUID("6f1d3a52-8c1e-4b8e-9a57-0c1f5e0a7d11")


def case_id_for(referral_id: UUID) -> UUID:
    """A granted referral opens exactly one case, whose id follows from the referral's."""
    return uuid.uuid5(_CASE_IDS, str(referral_id))


def _caused_by(envelope: Envelope) -> EventMetadata:
    return EventMetadata(
        actor=envelope.actor,
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )


class CaseworkPolicies:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def on_referrals_event(self, conn: AsyncConnection, envelope: Envelope) -> None:
        if envelope.event_type == FamilyDataErased.event_type:
            # Destroying the key erases the family's personal data in every stored event.
            assert self.store.keyring is not None
            await self.store.keyring.erase(conn, envelope.aggregate_id, envelope.recorded_at)
            log.info("family.erased", family_id=str(envelope.aggregate_id))
        elif envelope.event_type == AssistanceGranted.event_type:
            await self._open_case(conn, envelope)
        elif envelope.event_type == CourtOpinionRequestReceived.event_type:
            event = envelope.event()
            assert isinstance(event, CourtOpinionRequestReceived)
            command = RequestCourtOpinion(
                request_id=envelope.aggregate_id,
                court_name=event.court_name,
                case_signature=event.case_signature,
                requested_on=event.received_on,
                deadline=event.deadline,
            )
            await self._change_case(
                conn, envelope, event.case_id, lambda s: rules.request_court_opinion(s, command)
            )
        elif envelope.event_type == ReferralLinked.event_type:
            event = envelope.event()
            assert isinstance(event, ReferralLinked)
            if event.to_case_id is None:
                return
            await self._change_case(
                conn,
                envelope,
                event.to_case_id,
                lambda s: rules.link_referral(
                    s,
                    referral_id=envelope.aggregate_id,
                    source=event.source,
                    sender_reference=event.sender_reference,
                    referred_on=event.referred_on,
                ),
            )

    async def _open_case(self, conn: AsyncConnection, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, AssistanceGranted)
        case_id = case_id_for(envelope.aggregate_id)
        state, version, _ = await CASE.load(conn, self.store, case_id)
        if state.exists:
            return  # opened before this consumer's progress was reset: nothing to do
        new_events = rules.open_case(
            state,
            OpenCase(
                referral_id=envelope.aggregate_id,
                family_id=event.family_id,
                district=envelope.district,
                source=event.source,
                obligatory=event.obligatory,
                opened_on=event.decided_on,
                members=event.members,
            ),
        )
        await self._append(conn, envelope, case_id, state, version, new_events)
        log.info("case.opened", case_id=str(case_id), district=envelope.district)

    async def _change_case(
        self,
        conn: AsyncConnection,
        envelope: Envelope,
        case_id: UUID,
        decide: Callable[[Case], list[DomainEvent]],
    ) -> None:
        state, version, _ = await CASE.load(conn, self.store, case_id)
        if not state.exists:
            log.warning("policy.unknown_case", case_id=str(case_id), cause=envelope.event_type)
            return
        try:
            new_events = decide(state)
        except DomainError as refused:
            # A rule refused what another service asked: record why in the log and move on;
            # retrying the same event would be refused again.
            log.warning("policy.refused", case_id=str(case_id), code=refused.code)
            return
        await self._append(conn, envelope, case_id, state, version, new_events)

    async def _append(
        self,
        conn: AsyncConnection,
        envelope: Envelope,
        case_id: UUID,
        state: Case,
        version: int,
        new_events: list[DomainEvent],
    ) -> None:
        if not new_events:
            return
        for event in new_events:
            state = CASE.evolve(state, event)
        stored = await self.store.append(
            conn,
            Aggregate(CASE.name, case_id, state.district, state.family_id),
            version,
            new_events,
            _caused_by(envelope),
        )
        await project_case(conn, state, stored)

    async def on_directory_event(self, conn: AsyncConnection, envelope: Envelope) -> None:
        assistant_id = envelope.aggregate_id
        state, version, _ = await CASELOAD.load(conn, self.store, assistant_id)
        event = envelope.event() if envelope.event_type in _DIRECTORY_EVENTS else None
        match event:
            case AssistantRegistered():
                district = event.district
                new_events = caseload_rules.open_caseload(state, district=district)
            case AssistantDeactivated():
                district = state.district
                new_events = caseload_rules.suspend(state, since=event.ended_on)
            case AssistantReactivated():
                district = state.district
                new_events = caseload_rules.resume(state, since=event.resumed_on)
            case _:
                return
        if not new_events:
            return
        await self.store.append(
            conn,
            Aggregate(CASELOAD.name, assistant_id, district),
            version,
            new_events,
            _caused_by(envelope),
        )
        for new_event in new_events:
            state = CASELOAD.evolve(state, new_event)
        await project_caseload(conn, state, assistant_id)
        log.info("caseload.changed", assistant_id=str(assistant_id), active=state.active)


_DIRECTORY_EVENTS = {
    AssistantRegistered.event_type,
    AssistantDeactivated.event_type,
    AssistantReactivated.event_type,
}
