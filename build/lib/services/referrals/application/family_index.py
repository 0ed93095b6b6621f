"""Which families are already known, by keyed digests of their members' PESEL numbers:
open referrals (this service's own) and cases (from casework's events)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import case_members, open_referral_members
from services.referrals.domain.referral import ExistingMatch
from shared.events import (
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    Envelope,
    FamilyMember,
    TransferDeclined,
)
from shared.identifiers import pesel_digest
from shared.sql import insert_ignoring_duplicates


class FamilyIndex:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def digests(self, members: Iterable[FamilyMember]) -> list[str]:
        return sorted({pesel_digest(self._key, m.pesel) for m in members if m.pesel})

    async def find(self, conn: AsyncConnection, digests: list[str]) -> ExistingMatch | None:
        """An open referral of the family, else its active case, else None."""
        if not digests:
            return None
        row = (
            await conn.execute(
                select(open_referral_members.c.referral_id, open_referral_members.c.family_id)
                .where(open_referral_members.c.pesel_digest.in_(digests))
                .limit(1)
            )
        ).first()
        if row is not None:
            return ExistingMatch(referral_id=row.referral_id, family_id=row.family_id)
        row = (
            await conn.execute(
                select(case_members.c.case_id, case_members.c.family_id)
                .where(case_members.c.pesel_digest.in_(digests), case_members.c.active)
                .limit(1)
            )
        ).first()
        if row is not None:
            return ExistingMatch(case_id=row.case_id, family_id=row.family_id)
        return None

    async def active_case(self, conn: AsyncConnection, digests: list[str]) -> ExistingMatch | None:
        if not digests:
            return None
        row = (
            await conn.execute(
                select(case_members.c.case_id, case_members.c.family_id)
                .where(case_members.c.pesel_digest.in_(digests), case_members.c.active)
                .limit(1)
            )
        ).first()
        return ExistingMatch(case_id=row.case_id, family_id=row.family_id) if row else None

    async def known_family(self, conn: AsyncConnection, digests: list[str]) -> UUID | None:
        """The family id of a family whose case ended (a re-referral keeps the identity, so
        the outcome statistics can count re-referrals)."""
        if not digests:
            return None
        row = (
            await conn.execute(
                select(case_members.c.family_id)
                .where(case_members.c.pesel_digest.in_(digests))
                .limit(1)
            )
        ).first()
        return row.family_id if row else None

    async def hold(
        self, conn: AsyncConnection, digests: list[str], referral_id: UUID, family_id: UUID
    ) -> None:
        """Mark the family as having an open referral. A concurrent referral of the same
        family fails here on the primary key, and is retried (and then linked)."""
        if digests:
            await conn.execute(
                insert(open_referral_members),
                [
                    {"pesel_digest": d, "referral_id": referral_id, "family_id": family_id}
                    for d in digests
                ],
            )

    async def release(self, conn: AsyncConnection, referral_id: UUID) -> None:
        await conn.execute(
            delete(open_referral_members).where(open_referral_members.c.referral_id == referral_id)
        )

    async def on_casework_event(self, conn: AsyncConnection, envelope: Envelope) -> None:
        """Follow casework: which families have an active case (a granted referral stays
        'open' until its case is known here)."""
        case_id = envelope.aggregate_id
        match envelope.event_type:
            case CaseOpened.event_type:
                event = envelope.event()
                assert isinstance(event, CaseOpened)
                await self.release(conn, event.referral_id)
                rows = [
                    {
                        "pesel_digest": d,
                        "case_id": case_id,
                        "family_id": event.family_id,
                        "district": envelope.district,
                        "active": True,
                    }
                    for d in self.digests(event.members)
                ]
                if rows:
                    await conn.execute(insert_ignoring_duplicates(conn, case_members), rows)
            case CaseClosed.event_type | TransferDeclined.event_type:
                await self._set_active(conn, case_id, False)
            case CaseReopened.event_type:
                await self._set_active(conn, case_id, True)
            case CaseTransferred.event_type:
                await conn.execute(
                    update(case_members)
                    .where(case_members.c.case_id == case_id)
                    .values(district=envelope.district)
                )

    async def _set_active(self, conn: AsyncConnection, case_id: UUID, active: bool) -> None:
        await conn.execute(
            update(case_members).where(case_members.c.case_id == case_id).values(active=active)
        )
