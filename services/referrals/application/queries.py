"""What the referrals API reads: a referral with its history, a district's referrals, the
state of a notification a school or a court sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.referrals.adapters.tables import notifications, referrals
from services.referrals.domain.referral import REFERRAL
from shared.domain.clock import Clock
from shared.domain.errors import NotFound
from shared.events import (
    AssistanceGranted,
    DuplicateReferralReceived,
    FamilyInterviewRecorded,
    FamilyReferred,
    ReferralDeclined,
    stream_id,
)
from shared.eventstore import EventStore
from shared.eventstore.family_columns import open_card, search_patterns

WAITING = ("awaiting_interview", "awaiting_decision")
"""Statuses of a referral still waiting for the head's decision (days waited counted)."""


@dataclass(frozen=True)
class ReferralsQueries:
    engine: AsyncEngine
    store: EventStore
    lookup_key: bytes
    clock: Clock

    async def referral(self, referral_id: UUID) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            envelopes = await self.store.read_stream(conn, stream_id(REFERRAL.name, referral_id))
            row = (
                await conn.execute(select(referrals).where(referrals.c.referral_id == referral_id))
            ).first()
        events = [e.event() for e in envelopes]
        if row is None or not events or not isinstance(first := events[0], FamilyReferred):
            raise NotFound(entity="referral", id=referral_id)
        state = REFERRAL.fold(events)
        decision: dict[str, Any] | None = None
        interview: dict[str, Any] | None = None
        linked: list[dict[str, Any]] = []
        for envelope, event in zip(envelopes[1:], events[1:], strict=True):
            match event:
                case AssistanceGranted():
                    decision = {
                        "decided_on": event.decided_on,
                        "decided_by": envelope.actor,
                        "reason": event.justification or "",
                    }
                case ReferralDeclined():
                    decision = {
                        "decided_on": event.decided_on,
                        "decided_by": envelope.actor,
                        "reason": event.reason,
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
            "version": envelopes[-1].aggregate_version,
        }

    async def referrals(
        self,
        *,
        district: str,
        status: str | None,
        surname: str | None = None,
        pesel: str | None = None,
        referred_by: str | None = None,
    ) -> list[dict[str, Any]]:
        """A district's referrals with the family's name (decrypted here), children, source
        and days waited; `surname` and `pesel` match through keyed digests; `referred_by`:
        only those that person recorded."""
        query = select(referrals).where(referrals.c.district == district)
        if status:
            query = query.where(referrals.c.status == status)
        if referred_by:
            query = query.where(referrals.c.referred_by == referred_by)
        names, pesels = search_patterns(self.lookup_key, surname=surname, pesel=pesel)
        for pattern in names:
            query = query.where(referrals.c.surname_digests.like(pattern))
        for pattern in pesels:
            query = query.where(referrals.c.pesel_digests.like(pattern))
        async with self.engine.connect() as conn:
            rows = list(await conn.execute(query.order_by(referrals.c.referred_on.desc())))
            keyring = self.store.keyring
            keys = await keyring.keys(conn, {r.family_id for r in rows}) if keyring else {}
        today = self.clock.today()
        return [
            {
                **row._mapping,
                **open_card(keys.get(row.family_id), row.family_id, row.family),
                "days_waited": (today - row.referred_on).days if row.status in WAITING else None,
            }
            for row in rows
        ]

    async def notification(self, notification_id: UUID) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(notifications).where(notifications.c.notification_id == notification_id)
                )
            ).first()
        if row is None:
            raise NotFound(entity="notification", id=notification_id)
        body = dict(row.response)
        if row.referral_id is not None:
            referral = await self.referral(row.referral_id)
            body["status"] = referral["status"].value
        return {**body, "sender": row.sender, "received_at": row.received_at}
