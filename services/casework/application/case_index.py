"""Keeps casework's read models in step with the events just appended, in the same
transaction: `cases` from a case's state, `court_opinions` from its requests, `caseloads` from
an assistant's caseload."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.adapters.tables import caseloads, cases, court_opinions
from services.casework.domain.case import Case
from services.casework.domain.caseload import Caseload
from shared.events import (
    CaseOpened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    Envelope,
)
from shared.eventstore.sql import upsert


def _case_row(state: Case) -> dict[str, object]:
    return {
        "district": state.district,
        "obligatory": state.obligatory,
        "status": state.status.value,
        "assistant_id": state.assistant_id,
        "consent_on": state.consent_on,
        "work_started_on": state.work_started_on,
        "plan_version": state.plan_version,
        "last_visit_on": state.last_visit_on,
        "next_assessment_due": state.next_assessment_due,
        "closed_on": state.closed_on,
        "closure_reason": state.closure_reason.value if state.closure_reason else None,
        "monitoring_until": state.monitoring_until,
        "monitoring_assistant_id": state.monitoring_assistant_id,
        # Every centre the case was with, for the access check (no fold per request).
        "districts": ",".join(state.districts),
    }


async def project_case(
    conn: AsyncConnection, case_id: UUID, state: Case, envelopes: list[Envelope]
) -> None:
    """The inline projection of the case aggregate (registered in the bootstrap)."""
    if not envelopes:
        return
    recorded_at = envelopes[-1].recorded_at
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case CaseOpened():
                await conn.execute(
                    insert(cases).values(
                        case_id=case_id,
                        referral_id=event.referral_id,
                        family_id=event.family_id,
                        opened_on=event.opened_on,
                        updated_at=recorded_at,
                        **_case_row(state),
                    )
                )
            case CourtOpinionRequested():
                await conn.execute(
                    insert(court_opinions).values(
                        request_id=event.request_id,
                        case_id=case_id,
                        district=envelope.district,
                        court_name=event.court_name,
                        case_signature=event.case_signature,
                        requested_on=event.requested_on,
                        deadline=event.deadline,
                    )
                )
            case CourtOpinionSubmitted():
                await conn.execute(
                    update(court_opinions)
                    .where(court_opinions.c.request_id == event.request_id)
                    .values(submitted_on=event.submitted_on)
                )
            case CaseTransferred():
                await conn.execute(
                    update(court_opinions)
                    .where(court_opinions.c.case_id == case_id)
                    .values(district=event.to_district)
                )
    await conn.execute(
        update(cases)
        .where(cases.c.case_id == case_id)
        .values(updated_at=recorded_at, **_case_row(state))
    )


async def project_caseload(
    conn: AsyncConnection, assistant_id: UUID, state: Caseload, _envelopes: list[Envelope]
) -> None:
    """The inline projection of the caseload aggregate (registered in the bootstrap)."""
    if not state.exists:
        await conn.execute(delete(caseloads).where(caseloads.c.assistant_id == assistant_id))
        return
    row = {
        "assistant_id": assistant_id,
        "district": state.district,
        "active_families": len(state.cases),
        "family_limit": state.limit,
        "active": state.active,
    }
    await conn.execute(upsert(conn, caseloads, key=["assistant_id"], update=list(row)[1:]), row)
