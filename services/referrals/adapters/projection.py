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
from shared.eventstore.crypto import Keyring
from shared.eventstore.family_columns import family_columns


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


class ReferralIndex:
    """The referral's row, with the family's sealed card and search digests (it needs the
    keyring and the lookup key, hence a class)."""

    def __init__(self, keyring: Keyring, lookup_key: bytes) -> None:
        self._keyring = keyring
        self._lookup_key = lookup_key

    async def __call__(
        self, conn: AsyncConnection, referral_id: UUID, state: Referral, envelopes: list[Envelope]
    ) -> None:
        await project_referral(conn, referral_id, state, envelopes, index=self)

    async def columns(self, conn: AsyncConnection, envelope: Envelope) -> dict[str, Any]:
        event = envelope.event()
        if not isinstance(event, FamilyReferred):
            return {}
        key = await self._keyring.key_for_writing(conn, event.family_id, envelope.recorded_at)
        return {
            **family_columns(key, event.family_id, event.members, self._lookup_key),
            "children": sum(m.is_child for m in event.members),
        }


async def project_referral(
    conn: AsyncConnection,
    referral_id: UUID,
    state: Referral,
    envelopes: list[Envelope],
    *,
    index: ReferralIndex | None = None,
) -> None:
    changes: dict[str, Any] = {}
    for envelope in envelopes:
        event = envelope.event()
        if isinstance(event, FamilyReferred):
            personal = await index.columns(conn, envelope) if index is not None else {}
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
                    referred_by=envelope.actor,
                    **personal,
                )
            )
        changes.update(_changes(event))
    await conn.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id)
        .values(status=state.status.value, linked_referrals=len(state.linked_referrals), **changes)
    )
