"""Filing referrals and deciding on them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import referrals
from services.referrals.domain.referral import (
    REFERRAL,
    DecideOnReferral,
    ReferFamily,
    Referral,
    decide,
    refer,
)
from shared.commands import execute
from shared.errors import NotFound
from shared.events import (
    AssistanceGranted,
    DomainEvent,
    Envelope,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralSource,
)
from shared.eventstore import EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def _project(conn: AsyncConnection, state: Referral, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case FamilyReferred():
                await conn.execute(
                    insert(referrals).values(
                        referral_id=envelope.aggregate_id,
                        family_id=event.family_id,
                        district=event.district,
                        source=event.source.value,
                        sender_reference=event.sender_reference,
                        status=state.status.value,
                        referred_on=event.referred_on,
                        recorded_at=envelope.recorded_at,
                    )
                )
            case AssistanceGranted() | ReferralDeclined():
                await conn.execute(
                    update(referrals)
                    .where(referrals.c.referral_id == envelope.aggregate_id)
                    .values(status=state.status.value, decided_on=event.decided_on)
                )


async def file_referral(
    runtime: ServiceRuntime,
    *,
    district: str,
    source: ReferralSource,
    sender_reference: str | None,
    referred_on: date,
    members: tuple[FamilyMember, ...],
    reason: str,
    metadata: EventMetadata,
) -> UUID:
    referral_id = uuid.uuid4()
    command = ReferFamily(
        family_id=uuid.uuid4(),
        district=district,
        source=source,
        sender_reference=sender_reference,
        referred_on=referred_on,
        members=members,
        reason=reason,
    )
    today = runtime.clock.today()
    await execute(
        runtime,
        REFERRAL,
        referral_id,
        decide=lambda state: refer(state, command, today=today),
        district=lambda state: state.district,
        metadata=metadata,
        after_append=_project,
    )
    log.info("referral.filed", referral_id=str(referral_id), district=district, source=source.value)
    return referral_id


async def decide_on_referral(
    runtime: ServiceRuntime,
    referral_id: UUID,
    *,
    granted: bool,
    reason: str,
    metadata: EventMetadata,
) -> Referral:
    command = DecideOnReferral(granted=granted, reason=reason, decided_on=runtime.clock.today())

    def decision(state: Referral) -> list[DomainEvent]:
        if not state.exists:
            raise NotFound(entity="referral", id=referral_id)
        return decide(state, command)

    state, _ = await execute(
        runtime,
        REFERRAL,
        referral_id,
        decide=decision,
        district=lambda state: state.district,
        metadata=metadata,
        after_append=_project,
    )
    log.info("referral.decided", referral_id=str(referral_id), status=state.status.value)
    return state


async def get_referral(runtime: ServiceRuntime, referral_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        state, version, envelopes = await REFERRAL.load(conn, runtime.store, referral_id)
    if not state.exists:
        raise NotFound(entity="referral", id=referral_id)
    first = envelopes[0].event()
    assert isinstance(first, FamilyReferred)
    decision: dict[str, Any] | None = None
    for envelope in envelopes[1:]:
        event = envelope.event()
        if isinstance(event, AssistanceGranted | ReferralDeclined):
            decision = {
                "decided_on": event.decided_on,
                "decided_by": envelope.actor,
                "reason": getattr(event, "reason", ""),
            }
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
        "decision": decision,
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
