"""The family index, the notification log and the destruction of a family's data, on the
service's database (in the unit of work's transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import (
    case_members,
    notifications,
    open_referral_members,
    referrals,
)
from services.referrals.application.ports import NotificationRecord
from services.referrals.domain.referral import ExistingMatch
from shared.domain.identifiers import pesel_digest
from shared.events import FamilyMember
from shared.eventstore import ConcurrencyConflict
from shared.eventstore.crypto import Keyring
from shared.eventstore.family_columns import ERASED_COLUMNS
from shared.eventstore.sql import insert_ignoring_duplicates
from shared.eventstore.unit_of_work import forget_family_answers


class PeselDigests:
    """Keyed digests of PESEL numbers: the index never holds a PESEL in clear. Built once per
    process (deriving the key is not free)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @property
    def key(self) -> bytes:
        return self._key

    def __call__(self, members: Iterable[FamilyMember]) -> list[str]:
        return sorted({pesel_digest(self._key, m.pesel) for m in members if m.pesel})


class SqlFamilyIndex:
    def __init__(self, conn: AsyncConnection, digests: PeselDigests) -> None:
        self._conn = conn
        self._digests = digests

    async def find(self, members: Iterable[FamilyMember]) -> ExistingMatch | None:
        digests = self._digests(members)
        if not digests:
            return None
        row = (
            await self._conn.execute(
                select(open_referral_members.c.referral_id, open_referral_members.c.family_id)
                .where(open_referral_members.c.pesel_digest.in_(digests))
                .limit(1)
            )
        ).first()
        if row is not None:
            return ExistingMatch(referral_id=row.referral_id, family_id=row.family_id)
        return await self._active_case(digests)

    async def active_case(self, members: Iterable[FamilyMember]) -> ExistingMatch | None:
        return await self._active_case(self._digests(members))

    async def _active_case(self, digests: list[str]) -> ExistingMatch | None:
        if not digests:
            return None
        row = (
            await self._conn.execute(
                select(case_members.c.case_id, case_members.c.family_id)
                .where(case_members.c.pesel_digest.in_(digests), case_members.c.active)
                .limit(1)
            )
        ).first()
        return ExistingMatch(case_id=row.case_id, family_id=row.family_id) if row else None

    async def known_family(self, members: Iterable[FamilyMember]) -> UUID | None:
        digests = self._digests(members)
        if not digests:
            return None
        row = (
            await self._conn.execute(
                select(case_members.c.family_id)
                .where(case_members.c.pesel_digest.in_(digests))
                .limit(1)
            )
        ).first()
        return row.family_id if row else None

    async def hold(
        self, members: Iterable[FamilyMember], referral_id: UUID, family_id: UUID
    ) -> None:
        digests = self._digests(members)
        if not digests:
            return
        # The primary key makes two concurrent referrals of one family collide; a savepoint
        # keeps the transaction usable, and the command runs again (and is then linked).
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    insert(open_referral_members),
                    [
                        {"pesel_digest": d, "referral_id": referral_id, "family_id": family_id}
                        for d in digests
                    ],
                )
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"family-index:{referral_id}", 0, None) from exc

    async def release(self, referral_id: UUID) -> None:
        await self._conn.execute(
            delete(open_referral_members).where(open_referral_members.c.referral_id == referral_id)
        )

    async def last_district(self, family_id: UUID) -> str | None:
        return await family_district(self._conn, family_id)

    async def case_opened(
        self, case_id: UUID, family_id: UUID, district: str, members: Iterable[FamilyMember]
    ) -> None:
        rows = [
            {
                "pesel_digest": d,
                "case_id": case_id,
                "family_id": family_id,
                "district": district,
                "active": True,
            }
            for d in self._digests(members)
        ]
        if rows:
            await self._conn.execute(insert_ignoring_duplicates(self._conn, case_members), rows)

    async def case_active(self, case_id: UUID, active: bool) -> None:
        await self._conn.execute(
            update(case_members).where(case_members.c.case_id == case_id).values(active=active)
        )

    async def case_moved(self, case_id: UUID, district: str) -> None:
        await self._conn.execute(
            update(case_members).where(case_members.c.case_id == case_id).values(district=district)
        )


async def family_district(conn: AsyncConnection, family_id: UUID) -> str | None:
    """The district of the family's latest referral (None if this service never saw it)."""
    query = (
        select(referrals.c.district)
        .where(referrals.c.family_id == family_id)
        .order_by(referrals.c.recorded_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).scalar_one_or_none()


class SqlNotificationLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def find(self, sender_key: str) -> NotificationRecord | None:
        row = (
            await self._conn.execute(
                select(notifications).where(notifications.c.sender_key == sender_key)
            )
        ).first()
        return NotificationRecord(**row._mapping) if row is not None else None

    async def record(self, notification: NotificationRecord) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(notifications).values(**notification.__dict__))
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"notification:{notification.sender_key}", 0, None) from exc


class SqlFamilyData:
    def __init__(self, conn: AsyncConnection, keyring: Keyring) -> None:
        self._conn = conn
        self._keyring = keyring

    async def destroy(self, family_id: UUID, at: datetime) -> None:
        await self._keyring.erase(self._conn, family_id, at)
        await self._conn.execute(
            delete(open_referral_members).where(open_referral_members.c.family_id == family_id)
        )
        await self._conn.execute(delete(case_members).where(case_members.c.family_id == family_id))
        # The names, contact details and search digests in the referrals list.
        await self._conn.execute(
            update(referrals).where(referrals.c.family_id == family_id).values(**ERASED_COLUMNS)
        )
        await forget_family_answers(self._conn, family_id)
