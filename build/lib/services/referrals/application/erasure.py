"""Erasing a family's personal data without rewriting history: this service destroys its key
of the family and its digests of the family's PESEL numbers, and tells the other services,
which destroy theirs."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import case_members, open_referral_members, referrals
from shared.commands import transact
from shared.errors import NotFound
from shared.events import FamilyDataErased
from shared.eventstore import Aggregate, EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

FAMILY = "family"


async def family_district(conn: AsyncConnection, family_id: UUID) -> str | None:
    """The district of the family's latest referral (None if this service never saw it)."""
    query = (
        select(referrals.c.district)
        .where(referrals.c.family_id == family_id)
        .order_by(referrals.c.recorded_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def erase_family(
    runtime: ServiceRuntime, family_id: UUID, *, reason: str, metadata: EventMetadata
) -> None:
    async def work(conn: AsyncConnection) -> None:
        district = await family_district(conn, family_id)
        if district is None:
            raise NotFound(entity="family", id=family_id)
        assert runtime.store.keyring is not None
        await runtime.store.keyring.erase(conn, family_id, runtime.clock.now())
        await conn.execute(
            delete(open_referral_members).where(open_referral_members.c.family_id == family_id)
        )
        await conn.execute(delete(case_members).where(case_members.c.family_id == family_id))
        version = await runtime.store.stream_version(conn, f"{FAMILY}-{family_id}")
        await runtime.store.append(
            conn,
            Aggregate(FAMILY, family_id, district),
            version,
            [FamilyDataErased(erased_on=runtime.clock.today(), reason=reason)],
            metadata,
        )

    await transact(runtime, work)
    log.info("family.erased", family_id=str(family_id))
