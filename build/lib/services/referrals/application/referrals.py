"""Filing referrals, the family interview, the head's decision, and reading them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import referrals
from services.referrals.application.family_index import FamilyIndex
from services.referrals.domain import referral as rules
from services.referrals.domain.referral import REFERRAL, ReferFamily, Referral
from shared.commands import transact
from shared.errors import NotFound
from shared.events import (
    AssistanceGranted,
    DomainEvent,
    DuplicateReferralReceived,
    Envelope,
    FamilyInterviewRecorded,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
    ReferralSource,
)
from shared.eventstore import Aggregate, ConcurrencyConflict, EventMetadata, EventStore
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def _project(conn: AsyncConnection, state: Referral, envelopes: list[Envelope]) -> None:
    referral_id = envelopes[0].aggregate_id
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case FamilyReferred():
                await conn.execute(
                    insert(referrals).values(
                        referral_id=referral_id,
                        family_id=event.family_id,
                        district=event.district,
                        source=event.source.value,
                        sender_reference=event.sender_reference,
                        status=state.status.value,
                        referred_on=event.referred_on,
                        linked_referrals=0,
                        recorded_at=envelope.recorded_at,
                    )
                )
            case ReferralLinked():
                await conn.execute(
                    update(referrals)
                    .where(referrals.c.referral_id == referral_id)
                    .values(
                        linked_to_referral_id=event.to_referral_id,
                        linked_to_case_id=event.to_case_id,
                    )
                )
            case FamilyInterviewRecorded():
                await conn.execute(
                    update(referrals)
                    .where(referrals.c.referral_id == referral_id)
                    .values(interviewed_on=event.conducted_on)
                )
            case AssistanceGranted() | ReferralDeclined():
                await conn.execute(
                    update(referrals)
                    .where(referrals.c.referral_id == referral_id)
                    .values(decided_on=event.decided_on)
                )
    await conn.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id)
        .values(status=state.status.value, linked_referrals=len(state.linked_referrals))
    )


async def _append(
    conn: AsyncConnection,
    store: EventStore,
    referral_id: UUID,
    state: Referral,
    version: int,
    new_events: list[DomainEvent],
    metadata: EventMetadata,
) -> Referral:
    for event in new_events:
        state = REFERRAL.evolve(state, event)
    stored = await store.append(
        conn,
        Aggregate(REFERRAL.name, referral_id, state.district, state.family_id),
        version,
        new_events,
        metadata,
    )
    if stored:
        await _project(conn, state, stored)
    return state


async def file_referral_in(
    conn: AsyncConnection,
    runtime: ServiceRuntime,
    index: FamilyIndex,
    command: ReferFamily,
    metadata: EventMetadata,
) -> tuple[UUID, Referral]:
    """File a referral inside the caller's transaction. A family that already has an open
    referral or an active case (matched by PESEL, in any district) is linked there."""
    store, today = runtime.store, runtime.clock.today()
    referral_id = uuid.uuid4()
    digests = index.digests(command.members)
    match = await index.find(conn, digests)
    if match is None:
        known = await index.known_family(conn, digests)
        if known is not None:
            command = replace(command, family_id=known)
    state = await _append(
        conn,
        store,
        referral_id,
        Referral(),
        0,
        rules.refer(Referral(), command, today=today, existing=match),
        metadata,
    )
    if match is not None and match.referral_id is not None:
        existing, version, _ = await REFERRAL.load(conn, store, match.referral_id)
        await _append(
            conn,
            store,
            match.referral_id,
            existing,
            version,
            rules.record_duplicate(existing, referral_id=referral_id, command=command),
            metadata,
        )
    if match is None:
        assert state.family_id is not None
        await index.hold(conn, digests, referral_id, state.family_id)
    log.info(
        "referral.filed",
        referral_id=str(referral_id),
        district=command.district,
        source=command.source.value,
        linked=match is not None,
    )
    return referral_id, state


async def file_referral(
    runtime: ServiceRuntime,
    index: FamilyIndex,
    *,
    district: str,
    source: ReferralSource,
    sender_reference: str | None,
    referred_on: date,
    members: tuple[FamilyMember, ...],
    reason: str,
    metadata: EventMetadata,
) -> UUID:
    command = ReferFamily(
        family_id=uuid.uuid4(),
        district=district,
        source=source,
        sender_reference=sender_reference,
        referred_on=referred_on,
        members=members,
        reason=reason,
    )

    async def work(conn: AsyncConnection) -> UUID:
        referral_id, _ = await file_referral_in(conn, runtime, index, command, metadata)
        return referral_id

    return await transact(runtime, work, retry_on=(ConcurrencyConflict, IntegrityError))


async def _change(
    runtime: ServiceRuntime,
    referral_id: UUID,
    decide: Any,
    metadata: EventMetadata,
    index: FamilyIndex | None = None,
) -> Referral:
    async def work(conn: AsyncConnection) -> Referral:
        state, version, _ = await REFERRAL.load(conn, runtime.store, referral_id)
        if not state.exists:
            raise NotFound(entity="referral", id=referral_id)
        new_state = await _append(
            conn, runtime.store, referral_id, state, version, decide(state), metadata
        )
        if index is not None and new_state.status is rules.ReferralStatus.DECLINED:
            await index.release(conn, referral_id)
        return new_state

    return await transact(runtime, work)


async def record_interview(
    runtime: ServiceRuntime,
    referral_id: UUID,
    *,
    command: rules.RecordInterview,
    metadata: EventMetadata,
) -> Referral:
    today = runtime.clock.today()
    return await _change(
        runtime, referral_id, lambda s: rules.record_interview(s, command, today=today), metadata
    )


async def decide_on_referral(
    runtime: ServiceRuntime,
    index: FamilyIndex,
    referral_id: UUID,
    *,
    granted: bool,
    reason: str,
    metadata: EventMetadata,
) -> Referral:
    command = rules.DecideOnReferral(
        granted=granted, reason=reason, decided_on=runtime.clock.today()
    )
    state = await _change(runtime, referral_id, lambda s: rules.decide(s, command), metadata, index)
    log.info("referral.decided", referral_id=str(referral_id), status=state.status.value)
    return state


async def get_referral(runtime: ServiceRuntime, referral_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        state, version, envelopes = await REFERRAL.load(conn, runtime.store, referral_id)
        row = (
            await conn.execute(select(referrals).where(referrals.c.referral_id == referral_id))
        ).first()
    if not state.exists or row is None:
        raise NotFound(entity="referral", id=referral_id)
    first = envelopes[0].event()
    assert isinstance(first, FamilyReferred)
    decision: dict[str, Any] | None = None
    interview: dict[str, Any] | None = None
    linked: list[dict[str, Any]] = []
    for envelope in envelopes[1:]:
        event = envelope.event()
        match event:
            case AssistanceGranted() | ReferralDeclined():
                decision = {
                    "decided_on": event.decided_on,
                    "decided_by": envelope.actor,
                    "reason": getattr(event, "reason", ""),
                }
            case FamilyInterviewRecorded():
                interview = {**event.model_dump(), "recorded_by": envelope.actor}
            case DuplicateReferralReceived():
                linked.append(event.model_dump())
    return {
        "referral_id": referral_id,
        "family_id": state.family_id,
        "district": state.district,
        "source": first.source,
        "sender_reference": first.sender_reference,
        "referred_on": first.referred_on,
        "reason": first.reason,
        "members": [m.model_dump() for m in first.members],
        "status": state.status,
        "obligatory": first.source.is_obligatory,
        "interview": interview,
        "decision": decision,
        "linked_to_referral_id": row.linked_to_referral_id,
        "linked_to_case_id": row.linked_to_case_id,
        "linked_referrals": linked,
        "version": version,
    }


async def list_referrals(
    runtime: ServiceRuntime, *, district: str, status: str | None
) -> list[dict[str, Any]]:
    query = select(referrals).where(referrals.c.district == district)
    if status:
        query = query.where(referrals.c.status == status)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query.order_by(referrals.c.referred_on.desc()))
        return [dict(row._mapping) for row in rows]
