"""Casework's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from services.casework.access import POLICY
from services.casework.application import queries
from services.casework.application.cases import (
    assign_assistant,
    change_case,
    close_case,
    reopen_case,
    transfer_case,
)
from services.casework.domain import case as rules
from services.casework.domain.case import CaseStatus
from services.casework.settings import CaseworkSettings
from shared.audit_api import audit_router
from shared.authorization import Grant
from shared.districts import DistrictCode
from shared.events import ClosureReason, PlanAction, ReferralSource, VisitPlace, VisitTopic
from shared.eventstore import EventMetadata
from shared.feed import feed_router
from shared.http import CorrelationId, RuntimeDep, service_app
from shared.runtime import ServiceRuntime


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignmentRequest(Body):
    assistant_id: UUID


class ConsentRequest(Body):
    given_on: date = Field(description="data podpisania zgody przez rodzinę")
    signed_by: list[str] = Field(min_length=1, max_length=10, description="kto podpisał")


class VisitRequest(Body):
    visited_on: date
    duration_minutes: int = Field(gt=0, le=720)
    place: VisitPlace = VisitPlace.HOME
    present: list[str] = Field(
        default_factory=list, max_length=20, description="kto był obecny (imiona lub role)"
    )
    topics: list[VisitTopic] = Field(min_length=1)
    note: str = Field("", max_length=4000)


class PlanRequest(Body):
    actions: list[PlanAction] = Field(min_length=1, max_length=50)
    agreed_with_social_worker: str = Field(
        min_length=1, max_length=200, description="pracownik socjalny, z którym uzgodniono plan"
    )
    foster_care_coordinator: str | None = Field(
        None, max_length=200, description="koordynator rodzinnej pieczy zastępczej"
    )
    foster_care_plan_reference: str | None = Field(
        None, max_length=200, description="znak planu pomocy dziecku w pieczy zastępczej"
    )


class AssessmentRequest(Body):
    assessed_on: date
    summary: str = Field(min_length=1, max_length=8000)


class CourtOpinionRequest(Body):
    court_name: str = Field(min_length=1, max_length=300)
    case_signature: str = Field(min_length=1, max_length=100, description="sygnatura akt")
    requested_on: date
    deadline: date


class OpinionSubmission(Body):
    submitted_on: date
    summary: str = Field(min_length=1, max_length=8000)


class ClosureRequest(Body):
    reason: ClosureReason
    closed_on: date | None = None
    note: str = Field("", max_length=4000)
    children_placed_in_foster_care: int = Field(0, ge=0, le=30)
    monitoring_months: int | None = Field(
        None, ge=0, le=24, description="okres monitorowania; domyślnie ustawienie ośrodka"
    )


class ReopeningRequest(Body):
    reason: str = Field(min_length=1, max_length=4000)


class TransferRequest(Body):
    to_district: DistrictCode


class TransferDecision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class TransferDecisionRequest(Body):
    decision: TransferDecision
    reason: str = Field("", max_length=2000)


class CaseSummary(BaseModel):
    case_id: UUID
    referral_id: UUID
    family_id: UUID
    district: str
    obligatory: bool
    status: str
    assistant_id: UUID | None
    opened_on: date
    consent_on: date | None
    work_started_on: date | None
    plan_version: int
    last_visit_on: date | None
    next_assessment_due: date | None
    closed_on: date | None
    closure_reason: str | None
    monitoring_until: date | None
    days_waiting: int | None


class CaseFile(BaseModel):
    case_id: UUID
    referral_id: UUID | None
    family_id: UUID | None
    district: str
    districts: list[str]
    source: ReferralSource | None
    obligatory: bool
    status: CaseStatus
    opened_on: date | None
    assistant_id: UUID | None
    consent_on: date | None
    work_started_on: date | None
    next_assessment_due: date | None
    assessment_overdue: bool
    closed_on: date | None
    closure_reason: ClosureReason | None
    monitoring_until: date | None
    members: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    consent: dict[str, Any] | None
    visits: list[dict[str, Any]]
    plan: dict[str, Any] | None
    plan_history: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    court_opinions: list[dict[str, Any]]
    closures: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    further_referrals: list[dict[str, Any]]
    version: int


class OverdueAssessment(BaseModel):
    case_id: UUID
    assistant_id: UUID | None
    next_assessment_due: date
    days_overdue: int


class CourtOpinionDue(BaseModel):
    request_id: UUID
    case_id: UUID
    district: str
    court_name: str
    case_signature: str
    requested_on: date
    deadline: date
    days_left: int
    overdue: bool


class AssistantCapacity(BaseModel):
    assistant_id: UUID
    active_families: int
    limit: int
    free_places: int
    working: bool


router = APIRouter(tags=["cases"])


def _districts(grant: Grant) -> frozenset[str] | None:
    """The districts a caller may list; None for the whole city."""
    return None if grant.principal.serves("*") else grant.principal.districts


def _metadata(grant: Grant, correlation_id: str) -> EventMetadata:
    return EventMetadata(actor=grant.principal.actor, correlation_id=correlation_id)


async def _file(runtime: ServiceRuntime, case_id: UUID) -> CaseFile:
    return CaseFile.model_validate(await queries.case_file(runtime, case_id))


@router.get("/cases", response_model=list[CaseSummary], summary="Sprawy rodzin")
async def get_cases(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.list", district_param="district")],
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    referral_id: UUID | None = None,
    assistant_id: UUID | None = None,
    status: CaseStatus | None = None,
) -> list[CaseSummary]:
    rows = await queries.list_cases(
        runtime,
        district=district,
        districts=_districts(grant),
        referral_id=referral_id,
        # An assistant lists only the families they work with.
        assistant_id=grant.assistant_id or assistant_id,
        status=status.value if status else None,
    )
    return [CaseSummary.model_validate(row) for row in rows]


@router.get(
    "/waiting-list",
    response_model=list[CaseSummary],
    summary="Rodziny czekające na asystenta, najdłużej czekające najpierw",
)
async def get_waiting_list(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("waiting_list.read", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[CaseSummary]:
    rows = await queries.list_cases(runtime, district=district, status=CaseStatus.WAITING.value)
    return [CaseSummary.model_validate(row) for row in rows]


@router.get("/cases/{case_id}", response_model=CaseFile, summary="Akta sprawy rodziny")
async def get_case(
    case_id: UUID,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.read", resource="case")],
) -> CaseFile:
    file = await queries.case_file(runtime, case_id, only_district=grant.only_district)
    return CaseFile.model_validate(file)


@router.post(
    "/cases/{case_id}/assignment",
    response_model=CaseFile,
    summary="Przydziel asystenta (najwyżej 15 rodzin na asystenta)",
)
async def post_assignment(
    case_id: UUID,
    body: AssignmentRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.assign", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    await assign_assistant(
        runtime,
        case_id,
        assistant_id=body.assistant_id,
        metadata=_metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/consent",
    response_model=CaseFile,
    summary="Odnotuj pisemną zgodę rodziny na współpracę z asystentem",
)
async def post_consent(
    case_id: UUID,
    body: ConsentRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.consent", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.RecordConsent(given_on=body.given_on, signed_by=tuple(body.signed_by))
    today = runtime.clock.today()
    await change_case(
        runtime,
        case_id,
        lambda s: rules.record_consent(s, command, today=today),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/visits",
    status_code=201,
    response_model=CaseFile,
    summary="Odnotuj wizytę u rodziny",
)
async def post_visit(
    case_id: UUID,
    body: VisitRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.visit", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.LogVisit(
        visit_id=uuid.uuid4(),
        visited_on=body.visited_on,
        duration_minutes=body.duration_minutes,
        place=body.place,
        present=tuple(body.present),
        topics=tuple(body.topics),
        note=body.note,
    )
    today = runtime.clock.today()
    await change_case(
        runtime,
        case_id,
        lambda s: rules.log_visit(s, command, today=today),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.put(
    "/cases/{case_id}/plan",
    response_model=CaseFile,
    summary="Nowa wersja planu pracy z rodziną (poprzednie zostają)",
)
async def put_plan(
    case_id: UUID,
    body: PlanRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.plan", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.UpdatePlan(
        actions=tuple(body.actions),
        agreed_with_social_worker=body.agreed_with_social_worker,
        updated_on=runtime.clock.today(),
        foster_care_coordinator=body.foster_care_coordinator,
        foster_care_plan_reference=body.foster_care_plan_reference,
    )
    await change_case(
        runtime,
        case_id,
        lambda s: rules.update_plan(s, command),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/assessments",
    status_code=201,
    response_model=CaseFile,
    summary="Ocena sytuacji rodziny (co najmniej co 6 miesięcy), przekazana kierownikowi",
)
async def post_assessment(
    case_id: UUID,
    body: AssessmentRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.assess", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.AssessFamily(assessed_on=body.assessed_on, summary=body.summary)
    today = runtime.clock.today()
    await change_case(
        runtime,
        case_id,
        lambda s: rules.assess(s, command, today=today),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.get(
    "/assessments/overdue",
    response_model=list[OverdueAssessment],
    summary="Zaległe oceny sytuacji rodzin",
)
async def get_overdue_assessments(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assessments.overdue", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[OverdueAssessment]:
    rows = await queries.overdue_assessments(runtime, district=district)
    return [OverdueAssessment.model_validate(row) for row in rows]


@router.post(
    "/cases/{case_id}/court-opinions",
    status_code=201,
    response_model=CaseFile,
    summary="Wezwanie sądu o opinię o rodzinie (wpisane ręcznie)",
)
async def post_court_opinion_request(
    case_id: UUID,
    body: CourtOpinionRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.court_request", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.RequestCourtOpinion(
        request_id=uuid.uuid4(),
        court_name=body.court_name,
        case_signature=body.case_signature,
        requested_on=body.requested_on,
        deadline=body.deadline,
    )
    await change_case(
        runtime,
        case_id,
        lambda s: rules.request_court_opinion(s, command),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/court-opinions/{request_id}/submission",
    response_model=CaseFile,
    summary="Złożenie opinii o rodzinie dla sądu",
)
async def post_court_opinion(
    case_id: UUID,
    request_id: UUID,
    body: OpinionSubmission,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.court_opinion", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    command = rules.SubmitCourtOpinion(
        request_id=request_id, submitted_on=body.submitted_on, summary=body.summary
    )
    today = runtime.clock.today()
    await change_case(
        runtime,
        case_id,
        lambda s: rules.submit_court_opinion(s, command, today=today),
        _metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.get(
    "/court-opinions",
    response_model=list[CourtOpinionDue],
    summary="Opinie dla sądu do złożenia (overdue=true: po terminie)",
)
async def get_court_opinions(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("court_opinions.list", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    overdue: bool = False,
) -> list[CourtOpinionDue]:
    rows = await queries.court_opinion_list(
        runtime, district=district, overdue_only=overdue, assistant_id=grant.assistant_id
    )
    return [CourtOpinionDue.model_validate(row) for row in rows]


@router.post(
    "/cases/{case_id}/closure",
    response_model=CaseFile,
    summary="Zakończenie pracy z rodziną; potem monitorowanie",
)
async def post_closure(
    case_id: UUID,
    body: ClosureRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.close", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    settings = runtime.settings
    default_months = settings.monitoring_months if isinstance(settings, CaseworkSettings) else 6
    command = rules.CloseCase(
        reason=body.reason,
        closed_on=body.closed_on or runtime.clock.today(),
        note=body.note,
        children_placed_in_foster_care=body.children_placed_in_foster_care,
        monitoring_months=(
            body.monitoring_months if body.monitoring_months is not None else default_months
        ),
    )
    await close_case(runtime, case_id, command=command, metadata=_metadata(grant, correlation_id))
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/reopening",
    response_model=CaseFile,
    summary="Ponowne objęcie wsparciem w okresie monitorowania",
)
async def post_reopening(
    case_id: UUID,
    body: ReopeningRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.reopen", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    await reopen_case(
        runtime, case_id, reason=body.reason, metadata=_metadata(grant, correlation_id)
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/transfer",
    response_model=CaseFile,
    summary="Przekazanie sprawy ośrodkowi innej dzielnicy (przeprowadzka rodziny)",
)
async def post_transfer(
    case_id: UUID,
    body: TransferRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.transfer", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    await transfer_case(
        runtime,
        case_id,
        to_district=body.to_district,
        metadata=_metadata(grant, correlation_id),
    )
    return await _file(runtime, case_id)


@router.post(
    "/cases/{case_id}/transfer/decision",
    response_model=CaseFile,
    summary="Decyzja nowego ośrodka o przejęciu sprawy",
)
async def post_transfer_decision(
    case_id: UUID,
    body: TransferDecisionRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("case.transfer_decision", resource="case")],
    correlation_id: CorrelationId,
) -> CaseFile:
    today = runtime.clock.today()
    if body.decision is TransferDecision.ACCEPTED:
        await change_case(
            runtime,
            case_id,
            lambda s: rules.accept_transfer(s, today=today),
            _metadata(grant, correlation_id),
        )
    else:
        await change_case(
            runtime,
            case_id,
            lambda s: rules.decline_transfer(s, reason=body.reason, today=today),
            _metadata(grant, correlation_id),
        )
    return await _file(runtime, case_id)


@router.get(
    "/assistants/capacity",
    response_model=list[AssistantCapacity],
    summary="Wolne miejsca asystentów dzielnicy (przy przydziale)",
)
async def get_capacity(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("capacity.read", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[AssistantCapacity]:
    return [
        AssistantCapacity.model_validate(r)
        for r in await queries.capacity(runtime, district=district)
    ]


class RetainedFamily(BaseModel):
    family_id: UUID
    district: str
    last_closed_on: date
    cases: int


@router.get(
    "/retention",
    response_model=list[RetainedFamily],
    summary="Rodziny po okresie przechowywania danych, do przeglądu i usunięcia",
)
async def get_retention(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("retention.read")],
    older_than_years: Annotated[int | None, Query(ge=0, le=100)] = None,
) -> list[RetainedFamily]:
    settings = runtime.settings
    years = (
        older_than_years
        if older_than_years is not None
        else (settings.retention_years if isinstance(settings, CaseworkSettings) else 10)
    )
    rows = await queries.retention_list(runtime, older_than_years=years, districts=grant.districts)
    return [RetainedFamily.model_validate(row) for row in rows]


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: praca z rodziną",
        description="Sprawy rodzin: przydział asystenta, zgoda, plan, wizyty, oceny, opinie "
        "dla sądu, zakończenie, monitorowanie i przekazanie.",
        routers=[router, feed_router(POLICY), audit_router(POLICY)],
        run_relay=run_relay,
        run_worker=run_worker,
    )
