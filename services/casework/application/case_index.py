"""Keeps the `cases` read model in step with a case's events, in the append's transaction."""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.adapters.tables import cases
from services.casework.domain.case import Case
from shared.events import CaseOpened, Envelope


async def project_case(conn: AsyncConnection, state: Case, envelopes: list[Envelope]) -> None:
    if not envelopes:
        return
    case_id = envelopes[0].aggregate_id
    recorded_at = envelopes[-1].recorded_at
    first = envelopes[0].event()
    if isinstance(first, CaseOpened):
        await conn.execute(
            insert(cases).values(
                case_id=case_id,
                referral_id=first.referral_id,
                family_id=first.family_id,
                district=first.district,
                status=state.status.value,
                assistant_id=state.assistant_id,
                opened_on=first.opened_on,
                plan_version=state.plan_version,
                updated_at=recorded_at,
            )
        )
        return
    await conn.execute(
        update(cases)
        .where(cases.c.case_id == case_id)
        .values(
            status=state.status.value,
            assistant_id=state.assistant_id,
            plan_version=state.plan_version,
            district=state.district,
            last_visit_on=state.last_visit_on,
            updated_at=recorded_at,
        )
    )
