"""Casework's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from services.casework.application.cases import (
    assign_assistant,
    case_file,
    list_cases,
    log_visit,
    update_plan,
)
from services.casework.domain.case import CaseStatus, LogVisit, UpdatePlan
from shared.districts import DistrictCode
from shared.events import PlanAction, ReferralSource, VisitPlace, VisitTopic
from shared.eventstore import EventMetadata
from shared.feed import feed_router
from shared.http import CorrelationId, CurrentPrincipal, RuntimeDep, service_app
from shared.runtime import ServiceRuntime


class AssignmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assistant_id: UUID


class VisitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date
    duration_minutes: int = Field(gt=0, le=720)
    place: VisitPlace = VisitPlace.HOME
    present: list[str] = Field(
        default_factory=list, max_length=20, description="kto był obecny (imiona lub role)"
    )
    topics: list[VisitTopic] = Field(min_length=1)
    note: str = Field("", max_length=4000)


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions: list[PlanAction] = Field(min_length=1, max_length=50)
    agreed_with_social_worker: str = Field(
        min_length=1, max_length=200, description="pracownik socjalny, z którym uzgodniono plan"
    )


class CaseSummary(BaseModel):
    case_id: UUID
    referral_id: UUID
    family_id: UUID
    district: str
    status: str
    assistant_id: UUID | None
    opened_on: date
    plan_version: int
    last_visit_on: date | None


class CaseFile(BaseModel):
    case_id: UUID
    referral_id: UUID | None
    family_id: UUID | None
    district: str
    source: ReferralSource | None
    obligatory: bool
    status: CaseStatus
    opened_on: date | None
    assistant_id: UUID | None
    members: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    plan: dict[str, Any] | None
    plan_history: list[dict[str, Any]]
    version: int


router = APIRouter(tags=["cases"])


def _metadata(principal: Any, correlation_id: str) -> EventMetadata:
    return EventMetadata(actor=principal.actor, correlation_id=correlation_id)


@router.get("/cases", response_model=list[CaseSummary], summary="Sprawy rodzin")
async def get_cases(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    referral_id: UUID | None = None,
    assistant_id: UUID | None = None,
    status: CaseStatus | None = None,
) -> list[CaseSummary]:
    rows = await list_cases(
        runtime,
        district=district,
        referral_id=referral_id,
        assistant_id=assistant_id,
        status=status.value if status else None,
    )
    return [CaseSummary.model_validate(row) for row in rows]


@router.get("/cases/{case_id}", response_model=CaseFile, summary="Akta sprawy rodziny")
async def get_case(case_id: UUID, runtime: RuntimeDep, principal: CurrentPrincipal) -> CaseFile:
    return CaseFile.model_validate(await case_file(runtime, case_id))


@router.post(
    "/cases/{case_id}/assignment",
    response_model=CaseFile,
    summary="Przydziel asystenta (limit 15 rodzin)",
)
async def post_assignment(
    case_id: UUID,
    body: AssignmentRequest,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> CaseFile:
    await assign_assistant(
        runtime,
        case_id,
        assistant_id=body.assistant_id,
        metadata=_metadata(principal, correlation_id),
    )
    return CaseFile.model_validate(await case_file(runtime, case_id))


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
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> CaseFile:
    await log_visit(
        runtime,
        case_id,
        command=LogVisit(
            visit_id=uuid.uuid4(),
            visited_on=body.visited_on,
            duration_minutes=body.duration_minutes,
            place=body.place,
            present=tuple(body.present),
            topics=tuple(body.topics),
            note=body.note,
        ),
        metadata=_metadata(principal, correlation_id),
    )
    return CaseFile.model_validate(await case_file(runtime, case_id))


@router.put(
    "/cases/{case_id}/plan",
    response_model=CaseFile,
    summary="Nowa wersja planu pracy z rodziną (poprzednie zostają)",
)
async def put_plan(
    case_id: UUID,
    body: PlanRequest,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> CaseFile:
    await update_plan(
        runtime,
        case_id,
        command=UpdatePlan(
            actions=tuple(body.actions),
            agreed_with_social_worker=body.agreed_with_social_worker,
            updated_on=runtime.clock.today(),
        ),
        metadata=_metadata(principal, correlation_id),
    )
    return CaseFile.model_validate(await case_file(runtime, case_id))


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: praca z rodziną",
        description="Sprawy rodzin: przydział asystenta, wizyty, plan pracy.",
        routers=[router, feed_router()],
        run_relay=run_relay,
        run_worker=run_worker,
    )
