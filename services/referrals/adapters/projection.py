"""The referrals read model, kept in the transaction that appends a referral's events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import referrals
from services.referrals.domain.referral import Referral
from shared.events import (
    AssistanceGranted,
    Envelope,
    FamilyInterviewRecorded,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
)


def _changes(event: Any) -> dict[str, Any]:
    match event:
        case ReferralLinked():
            return {
                "linked_to_referral_id": event.to_referral_id,
                "linked_to_case_id": event.to_case_id,
            }
        case FamilyInterviewRecorded():
            return {"interviewed_on": event.conducted_on}
        case AssistanceGranted() | ReferralDeclined():
            return {"decided_on": event.decided_on}
    return {}


async def project_referral(
    conn: AsyncConnection, referral_id: UUID, state: Referral, envelopes: list[Envelope]
) -> None:
    changes: dict[str, Any] = {}
    for envelope in envelopes:
        event = envelope.event()
        if isinstance(event, FamilyReferred):
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
        changes.update(_changes(event))
    await conn.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id)
        .values(status=state.status.value, linked_referrals=len(state.linked_referrals), **changes)
    )
