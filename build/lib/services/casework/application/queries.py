"""What people read in casework: the case file, lists and deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from services.casework.adapters.tables import caseloads, cases, court_opinions
from services.casework.application.cases import existing
from services.casework.domain.case import CASE, CaseStatus
from shared.dates import add_months
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    Envelope,
    FamilyConsentRecorded,
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanUpdated,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    WorkStarted,
)
from shared.eventstore.tables import family_keys
from shared.runtime import ServiceRuntime


def _entry(envelope: Envelope, **fields: Any) -> dict[str, Any]:
    return {**fields, "recorded_by": envelope.actor, "recorded_at": envelope.recorded_at}


async def case_file(
    runtime: ServiceRuntime, case_id: UUID, *, only_district: str | None = None
) -> dict[str, Any]:
    """Everything recorded on the case. With `only_district`, only what was recorded while the
    case was with that district's centre (a centre the family moved away from)."""
    async with runtime.engine.connect() as conn:
        state, version, envelopes = await CASE.load(conn, runtime.store, case_id)
    existing(case_id, state)
    if only_district is not None:
        envelopes = [e for e in envelopes if e.district == only_district]
    today = runtime.clock.today()
    file: dict[str, Any] = {
        "members": [],
        "assignments": [],
        "consent": None,
        "visits": [],
        "plan_history": [],
        "assessments": [],
        "court_opinions": {},
        "closures": [],
        "transfers": [],
        "further_referrals": [],
    }
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case CaseOpened():
                file["members"] = [m.model_dump() for m in event.members]
            case AssistantAssigned():
                file["assignments"].append(_entry(envelope, **event.model_dump()))
            case FamilyConsentRecorded():
                file["consent"] = _entry(envelope, **event.model_dump())
            case VisitLogged():
                file["visits"].append(_entry(envelope, **event.model_dump()))
            case PlanUpdated():
                file["plan_history"].append(_entry(envelope, **event.model_dump()))
            case FamilySituationAssessed():
                file["assessments"].append(_entry(envelope, **event.model_dump()))
            case CourtOpinionRequested():
                file["court_opinions"][event.request_id] = _entry(
                    envelope,
                    **event.model_dump(),
                    submitted_on=None,
                    opinion=None,
                    overdue=event.deadline < today,
                )
            case CourtOpinionSubmitted():
                request = file["court_opinions"].get(event.request_id)
                if request is not None:
                    request.update(
                        submitted_on=event.submitted_on, opinion=event.summary, overdue=False
                    )
            case CaseClosed() | CaseReopened() | MonitoringEnded():
                file["closures"].append(
                    _entry(envelope, event=event.event_type, **event.model_dump())
                )
            case CaseTransferred() | TransferAccepted() | TransferDeclined():
                file["transfers"].append(
                    _entry(envelope, event=event.event_type, **event.model_dump())
                )
            case FurtherReferralReceived():
                file["further_referrals"].append(_entry(envelope, **event.model_dump()))
            case WorkStarted():
                pass  # shown through the state below
    return {
        "case_id": case_id,
        "referral_id": state.referral_id,
        "family_id": state.family_id,
        "district": state.district,
        "districts": list(state.districts),
        "source": state.source,
        "obligatory": state.obligatory,
        "status": state.status,
        "opened_on": state.opened_on,
        "assistant_id": state.assistant_id,
        "consent_on": state.consent_on,
        "work_started_on": state.work_started_on,
        "next_assessment_due": state.next_assessment_due,
        "assessment_overdue": state.assessment_overdue(today),
        "closed_on": state.closed_on,
        "closure_reason": state.closure_reason,
        "monitoring_until": state.monitoring_until,
        "plan": file["plan_history"][-1] if file["plan_history"] else None,
        **{k: v for k, v in file.items() if k != "court_opinions"},
        "court_opinions": list(file["court_opinions"].values()),
        "version": version,
    }


async def list_cases(
    runtime: ServiceRuntime,
    *,
    district: str | None = None,
    districts: frozenset[str] | None = None,
    referral_id: UUID | None = None,
    assistant_id: UUID | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    query = select(cases)
    if district:
        query = query.where(cases.c.district == district)
    if districts is not None:
        query = query.where(cases.c.district.in_(districts))
    if referral_id:
        query = query.where(cases.c.referral_id == referral_id)
    if assistant_id:
        query = query.where(cases.c.assistant_id == assistant_id)
    if status:
        query = query.where(cases.c.status == status)
    today = runtime.clock.today()
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query.order_by(cases.c.opened_on, cases.c.case_id))
        return [
            {
                **row._mapping,
                "days_waiting": (today - row.opened_on).days
                if row.status == CaseStatus.WAITING.value
                else None,
            }
            for row in rows
        ]


async def overdue_assessments(runtime: ServiceRuntime, *, district: str) -> list[dict[str, Any]]:
    today = runtime.clock.today()
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(cases.c.case_id, cases.c.assistant_id, cases.c.next_assessment_due)
            .where(
                cases.c.district == district,
                cases.c.status == CaseStatus.ACTIVE.value,
                cases.c.next_assessment_due < today,
            )
            .order_by(cases.c.next_assessment_due)
        )
        return [
            {**row._mapping, "days_overdue": (today - row.next_assessment_due).days} for row in rows
        ]


async def court_opinion_list(
    runtime: ServiceRuntime, *, district: str, overdue_only: bool, assistant_id: UUID | None = None
) -> list[dict[str, Any]]:
    today = runtime.clock.today()
    query = select(court_opinions).where(
        court_opinions.c.district == district, court_opinions.c.submitted_on.is_(None)
    )
    if assistant_id is not None:
        query = query.where(
            court_opinions.c.case_id.in_(
                select(cases.c.case_id).where(cases.c.assistant_id == assistant_id)
            )
        )
    if overdue_only:
        query = query.where(court_opinions.c.deadline < today)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query.order_by(court_opinions.c.deadline))
        return [
            {
                **row._mapping,
                "days_left": (row.deadline - today).days,
                "overdue": row.deadline < today,
            }
            for row in rows
        ]


async def expired_monitoring(runtime: ServiceRuntime, *, today: date) -> list[UUID]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(cases.c.case_id).where(
                cases.c.status == CaseStatus.MONITORING.value, cases.c.monitoring_until < today
            )
        )
        return [row.case_id for row in rows]


async def capacity(runtime: ServiceRuntime, *, district: str) -> list[dict[str, Any]]:
    """Free places of each assistant of the district, for the head choosing one."""
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(caseloads)
            .where(caseloads.c.district == district)
            .order_by(caseloads.c.active_families)
        )
        return [
            {
                "assistant_id": row.assistant_id,
                "active_families": row.active_families,
                "limit": row.family_limit,
                "free_places": max(row.family_limit - row.active_families, 0)
                if row.active is not False
                else 0,
                "working": row.active is not False,
            }
            for row in rows
        ]


async def retention_list(
    runtime: ServiceRuntime, *, older_than_years: int, districts: frozenset[str] | None
) -> list[dict[str, Any]]:
    """Families whose work ended more than `older_than_years` ago and whose personal data is
    still kept: for the controller to review and erase."""
    cutoff = add_months(runtime.clock.today(), -12 * older_than_years)
    kept = select(family_keys.c.family_id).where(family_keys.c.wrapped_key.is_not(None))
    query = (
        select(
            cases.c.family_id,
            cases.c.district,
            func.max(cases.c.closed_on).label("last_closed_on"),
            func.count().label("cases"),
        )
        .where(
            cases.c.status == CaseStatus.CLOSED.value,
            cases.c.closed_on < cutoff,
            cases.c.family_id.in_(kept),
        )
        .group_by(cases.c.family_id, cases.c.district)
        .order_by(func.max(cases.c.closed_on))
    )
    if districts is not None:
        query = query.where(cases.c.district.in_(districts))
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query)
        return [dict(row._mapping) for row in rows]
