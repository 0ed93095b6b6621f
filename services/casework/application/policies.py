"""How casework reacts to other services' events. Each reaction runs in the inbox's
transaction, so the event is tracked as handled exactly when its effect is stored."""

from __future__ import annotations

import uuid
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.application.case_index import project_case
from services.casework.domain import case as case_rules
from services.casework.domain import caseload as caseload_rules
from services.casework.domain.case import CASE, OpenCase
from services.casework.domain.caseload import CASELOAD
from shared.events import AssistanceGranted, AssistantRegistered, Envelope
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
        if envelope.event_type != AssistanceGranted.event_type:
            return
        event = envelope.event()
        assert isinstance(event, AssistanceGranted)
        case_id = case_id_for(envelope.aggregate_id)
        state, version, _ = await CASE.load(conn, self.store, case_id)
        if state.exists:
            return  # opened before this consumer's progress was reset: nothing to do
        new_events = case_rules.open_case(
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
        stored = await self.store.append(
            conn,
            Aggregate(CASE.name, case_id, envelope.district),
            version,
            new_events,
            _caused_by(envelope),
        )
        await project_case(conn, CASE.fold(e.event() for e in stored), stored)
        log.info("case.opened", case_id=str(case_id), district=envelope.district)

    async def on_directory_event(self, conn: AsyncConnection, envelope: Envelope) -> None:
        if envelope.event_type != AssistantRegistered.event_type:
            return
        event = envelope.event()
        assert isinstance(event, AssistantRegistered)
        state, version, _ = await CASELOAD.load(conn, self.store, envelope.aggregate_id)
        new_events = caseload_rules.open_caseload(state, district=event.district)
        await self.store.append(
            conn,
            Aggregate(CASELOAD.name, envelope.aggregate_id, event.district),
            version,
            new_events,
            _caused_by(envelope),
        )
        log.info("caseload.opened", assistant_id=str(envelope.aggregate_id))
