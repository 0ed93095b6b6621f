"""Casework's HTTP API: parse, call a handler, answer. Nothing else."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.casework.access import POLICY
from services.casework.application import handlers
from services.casework.bootstrap import CaseworkApp
from services.casework.device_api import router as device_router
from services.casework.domain.case import commands
from shared.domain.districts import DistrictCode
from shared.domain.name_search import SurnameQuery
from shared.domain.values import (
    CalendarDate,
    FreeText,
    LongText,
    PastDate,
    PersonName,
    Reason,
    RequiredFreeText,
    ShortText,
    VisitMinutes,
)
from shared.events import ClosureReason, PlanAction, ReferralSource, VisitPlace, VisitTopic
from shared.events.casework import CaseStatus
from shared.events.family import Pesel
from shared.web.audit import AuditedRecord
from shared.web.audit_api import audit_router, issued_documents_router
from shared.web.authorization import Grant
from shared.web.feed import feed_router
from shared.web.http import service_app
from shared.web.idempotency import IdempotencyKey
from shared.web.middleware import CorrelationId


async def _casework(request: Request) -> CaseworkApp:
    # async: FastAPI runs a plain `def` dependency in its thread pool (a thread hop and its
    # wake-ups per request, 6 % of the API's CPU per visit by py-spy)
    app: CaseworkApp = request.app.state.casework
    return app


CaseworkAppDep = Annotated[CaseworkApp, Depends(_casework)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignmentRequest(Body):
    assistant_id: UUID


class ConsentRequest(Body):
    given_on: PastDate = Field(description="data podpisania zgody przez rodzinę")
    signed_by: list[PersonName] = Field(min_length=1, max_length=10, description="kto podpisał")


class VisitRequest(Body):
    visited_on: PastDate
    duration_minutes: VisitMinutes
    place: VisitPlace = VisitPlace.HOME
    present: list[PersonName] = Field(
        default_factory=list, max_length=20, description="kto był obecny (imiona lub role)"
    )
    topics: list[VisitTopic] = Field(min_length=1, max_length=len(VisitTopic))
    note: FreeText = ""


class PlanRequest(Body):
    actions: list[PlanAction] = Field(min_length=1, max_length=50)
    agreed_with_social_worker: Annotated[ShortText, Field(max_length=200)] = Field(
        description="pracownik socjalny, z którym uzgodniono plan"
    )
    foster_care_coordinator: Annotated[ShortText, Field(max_length=200)] | None = Field(
        None, description="koordynator rodzinnej pieczy zastępczej"
    )
    foster_care_plan_reference: Annotated[ShortText, Field(max_length=200)] | None = Field(
        None, description="znak planu pomocy dziecku w pieczy zastępczej"
    )


class AssessmentRequest(Body):
    assessed_on: PastDate
    summary: LongText


class CourtOpinionRequest(Body):
    court_name: ShortText
    case_signature: Annotated[ShortText, Field(max_length=100)] = Field(description="sygnatura akt")
    requested_on: PastDate
    deadline: CalendarDate


class OpinionSubmission(Body):
    submitted_on: PastDate
    summary: LongText


class ClosureRequest(Body):
    reason: ClosureReason
    closed_on: PastDate | None = None
    note: FreeText = ""
    children_placed_in_foster_care: int = Field(0, ge=0, le=30)
    monitoring_months: int | None = Field(
        None, ge=0, le=24, description="okres monitorowania; domyślnie ustawienie ośrodka"
    )


class ReopeningRequest(Body):
    reason: RequiredFreeText


class TransferRequest(Body):
    to_district: DistrictCode


class TransferDecision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class TransferDecisionRequest(Body):
    decision: TransferDecision
    reason: Reason | Literal[""] = ""


class CaseSummary(BaseModel):
    """A case as lists show it. `family_name`, `display_name`, `address` and `phone` are the
    family's personal data (decrypted for those allowed to list the case; "[usunięto]" once
    erased); dates are calendar days, times UTC."""

    case_id: UUID
    referral_id: UUID
    family_id: UUID
    family_name: str = Field(description="nazwisko (nazwiska) rodziny, np. Kowalska / Nowak")
    display_name: str = Field(description="osoba do kontaktu, np. Anna Kowalska")
    children: int | None = Field(description="liczba dzieci")
    address: str | None
    phone: str | None
    district: str
    obligatory: bool
    status: str
    assistant_id: UUID | None
    assistant_name: str | None = Field(description="imię i nazwisko asystenta")
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
    visits_this_week: int
    next_court_deadline: date | None
    assessment_overdue: bool
    court_opinion_due: bool
    court_opinion_overdue: bool
    not_seen_for_7_days: bool


class CaseFile(BaseModel):
    case_id: UUID
    family_name: str = Field(description="nazwisko (nazwiska) rodziny; [usunięto] po usunięciu")
    display_name: str = Field(description="osoba do kontaktu")
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
    plan_notes: list[dict[str, Any]] = Field(
        default_factory=list, description="notatki do planu (także z urządzeń w terenie)"
    )
    assessments: list[dict[str, Any]]
    court_opinions: list[dict[str, Any]]
    closures: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    further_referrals: list[dict[str, Any]]
    version: int


class CaseChange(BaseModel):
    """Odpowiedź na polecenie w sprawie: co się zmieniło, nie całe akta (te pod
    GET /cases/{case_id}). The answer to a command on a case: what it changed."""

    case_id: UUID
    status: CaseStatus = Field(description="stan sprawy po poleceniu")
    version: int = Field(
        description="wersja sprawy po poleceniu (liczba jej zdarzeń); urządzenie w terenie "
        "podaje ją jako case_version"
    )
    events: list[str] = Field(
        description="typy zdarzeń zapisanych przez polecenie, np. VisitLogged (przy przydziale "
        "także zdarzenia obciążenia asystentów)"
    )
    visit_id: UUID | None = Field(None, description="odnotowana wizyta (POST .../visits)")
    request_id: UUID | None = Field(
        None, description="wpisane wezwanie sądu o opinię (POST .../court-opinions)"
    )


class OverdueAssessment(BaseModel):
    case_id: UUID
    family_name: str
    display_name: str
    assistant_id: UUID | None
    assistant_name: str | None
    next_assessment_due: date
    days_overdue: int


class CourtOpinionDue(BaseModel):
    request_id: UUID
    case_id: UUID
    family_name: str
    display_name: str
    district: str
    court_name: str
    case_signature: str
    requested_on: date
    deadline: date
    days_left: int
    overdue: bool


class AssistantCapacity(BaseModel):
    assistant_id: UUID
    assistant_name: str | None
    active_families: int
    limit: int
    free_places: int
    working: bool


router = APIRouter(tags=["cases"])


def _districts(grant: Grant) -> frozenset[str] | None:
    """The districts a caller may list; None for the whole city."""
    return None if grant.principal.serves("*") else grant.principal.districts


def _listed(rows: list[dict[str, Any]], district: str | None = None) -> list[AuditedRecord]:
    """The audit records of a list answer: each family it names, by its case."""
    return [
        AuditedRecord(row["family_id"], "case", row["case_id"], row.get("district") or district)
        for row in rows
    ]


def _change(changed: handlers.CaseChanged) -> CaseChange:
    # From what the handler already knows: answering folds none of the case's history.
    return CaseChange.model_validate(changed, from_attributes=True)


@router.get("/cases", response_model=list[CaseSummary], summary="Sprawy rodzin")
async def get_cases(
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.list", district_param="district")],
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    referral_id: UUID | None = None,
    assistant_id: UUID | None = None,
    status: CaseStatus | None = None,
    q: Annotated[
        SurnameQuery | None,
        Query(description="nazwisko lub jego początek; polskie litery dowolnie (lodz = Łódź)"),
    ] = None,
    pesel: Annotated[Pesel | None, Query(description="PESEL członka rodziny")] = None,
) -> list[CaseSummary]:
    rows = await app.queries.list_cases(
        district=district,
        districts=_districts(grant),
        referral_id=referral_id,
        # An assistant lists only the families they work with.
        assistant_id=grant.assistant_id or assistant_id,
        status=status.value if status else None,
        surname=q,
        pesel=pesel,
    )
    await grant.audit_listed(_listed(rows))
    return [CaseSummary.model_validate(row) for row in rows]


@router.get(
    "/waiting-list",
    response_model=list[CaseSummary],
    summary="Rodziny czekające na asystenta, najdłużej czekające najpierw",
)
async def get_waiting_list(
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("waiting_list.read", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    q: Annotated[SurnameQuery | None, Query(description="nazwisko lub jego początek")] = None,
    pesel: Annotated[Pesel | None, Query(description="PESEL członka rodziny")] = None,
) -> list[CaseSummary]:
    rows = await app.queries.list_cases(
        district=district, status=CaseStatus.WAITING.value, surname=q, pesel=pesel
    )
    await grant.audit_listed(_listed(rows))
    return [CaseSummary.model_validate(row) for row in rows]


@router.get("/cases/{case_id}", response_model=CaseFile, summary="Akta sprawy rodziny")
async def get_case(
    case_id: UUID,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.read", resource="case")],
) -> CaseFile:
    file = await app.queries.case_file(case_id, only_district=grant.only_district)
    return CaseFile.model_validate(file)


@router.post(
    "/cases/{case_id}/assignment",
    response_model=CaseChange,
    summary="Przydziel asystenta (najwyżej 15 rodzin na asystenta)",
)
async def post_assignment(
    case_id: UUID,
    body: AssignmentRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.assign", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.assign_assistant,
        commands.AssignAssistant(case_id=case_id, assistant_id=body.assistant_id),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/consent",
    response_model=CaseChange,
    summary="Odnotuj pisemną zgodę rodziny na współpracę z asystentem",
)
async def post_consent(
    case_id: UUID,
    body: ConsentRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.consent", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.record_consent,
        commands.RecordConsent(
            case_id=case_id, given_on=body.given_on, signed_by=tuple(body.signed_by)
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/visits",
    status_code=201,
    response_model=CaseChange,
    summary="Odnotuj wizytę u rodziny",
)
async def post_visit(
    case_id: UUID,
    body: VisitRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.visit", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.log_visit,
        commands.LogVisit(
            case_id=case_id,
            visit_id=uuid.uuid4(),
            visited_on=body.visited_on,
            duration_minutes=body.duration_minutes,
            place=body.place,
            present=tuple(body.present),
            topics=tuple(body.topics),
            note=body.note,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.put(
    "/cases/{case_id}/plan",
    response_model=CaseChange,
    summary="Nowa wersja planu pracy z rodziną (poprzednie zostają)",
)
async def put_plan(
    case_id: UUID,
    body: PlanRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.plan", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.update_plan,
        commands.UpdatePlan(
            case_id=case_id,
            actions=tuple(body.actions),
            agreed_with_social_worker=body.agreed_with_social_worker,
            foster_care_coordinator=body.foster_care_coordinator,
            foster_care_plan_reference=body.foster_care_plan_reference,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/assessments",
    status_code=201,
    response_model=CaseChange,
    summary="Ocena sytuacji rodziny (co najmniej co 6 miesięcy), przekazana kierownikowi",
)
async def post_assessment(
    case_id: UUID,
    body: AssessmentRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.assess", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.assess_family,
        commands.AssessFamily(case_id=case_id, assessed_on=body.assessed_on, summary=body.summary),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.get(
    "/assessments/overdue",
    response_model=list[OverdueAssessment],
    summary="Zaległe oceny sytuacji rodzin",
)
async def get_overdue_assessments(
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("assessments.overdue", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[OverdueAssessment]:
    rows = await app.queries.overdue_assessments(district=district)
    await grant.audit_listed(_listed(rows, district))
    return [OverdueAssessment.model_validate(row) for row in rows]


@router.post(
    "/cases/{case_id}/court-opinions",
    status_code=201,
    response_model=CaseChange,
    summary="Wezwanie sądu o opinię o rodzinie (wpisane ręcznie)",
)
async def post_court_opinion_request(
    case_id: UUID,
    body: CourtOpinionRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.court_request", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.request_court_opinion,
        commands.RequestCourtOpinion(
            case_id=case_id,
            request_id=uuid.uuid4(),
            court_name=body.court_name,
            case_signature=body.case_signature,
            requested_on=body.requested_on,
            deadline=body.deadline,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/court-opinions/{request_id}/submission",
    response_model=CaseChange,
    summary="Złożenie opinii o rodzinie dla sądu",
)
async def post_court_opinion(
    case_id: UUID,
    request_id: UUID,
    body: OpinionSubmission,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.court_opinion", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.submit_court_opinion,
        commands.SubmitCourtOpinion(
            case_id=case_id,
            request_id=request_id,
            submitted_on=body.submitted_on,
            summary=body.summary,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.get(
    "/court-opinions",
    response_model=list[CourtOpinionDue],
    summary="Opinie dla sądu do złożenia (overdue=true: po terminie)",
)
async def get_court_opinions(
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("court_opinions.list", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    overdue: bool = False,
) -> list[CourtOpinionDue]:
    rows = await app.queries.court_opinion_list(
        district=district, overdue_only=overdue, assistant_id=grant.assistant_id
    )
    await grant.audit_listed(_listed(rows, district))
    return [CourtOpinionDue.model_validate(row) for row in rows]


@router.post(
    "/cases/{case_id}/closure",
    response_model=CaseChange,
    summary="Zakończenie pracy z rodziną; potem monitorowanie",
)
async def post_closure(
    case_id: UUID,
    body: ClosureRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.close", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    months = body.monitoring_months
    changed = await app.runner.run(
        handlers.close_case,
        commands.CloseCase(
            case_id=case_id,
            reason=body.reason,
            closed_on=body.closed_on,
            note=body.note,
            children_placed_in_foster_care=body.children_placed_in_foster_care,
            monitoring_months=app.settings.monitoring_months if months is None else months,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/reopening",
    response_model=CaseChange,
    summary="Ponowne objęcie wsparciem w okresie monitorowania",
)
async def post_reopening(
    case_id: UUID,
    body: ReopeningRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.reopen", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.reopen_case,
        commands.ReopenCase(case_id=case_id, reason=body.reason),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/transfer",
    response_model=CaseChange,
    summary="Przekazanie sprawy ośrodkowi innej dzielnicy (przeprowadzka rodziny)",
)
async def post_transfer(
    case_id: UUID,
    body: TransferRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.transfer", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.transfer_case,
        commands.TransferCase(case_id=case_id, to_district=body.to_district),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.post(
    "/cases/{case_id}/transfer/decision",
    response_model=CaseChange,
    summary="Decyzja nowego ośrodka o przejęciu sprawy",
)
async def post_transfer_decision(
    case_id: UUID,
    body: TransferDecisionRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("case.transfer_decision", resource="case")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> CaseChange:
    changed = await app.runner.run(
        handlers.decide_on_transfer,
        commands.DecideOnTransfer(
            case_id=case_id,
            accepted=body.decision is TransferDecision.ACCEPTED,
            reason=body.reason,
        ),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _change(changed)


@router.get(
    "/assistants/capacity",
    response_model=list[AssistantCapacity],
    summary="Wolne miejsca asystentów dzielnicy (przy przydziale)",
)
async def get_capacity(
    app: CaseworkAppDep,
    _grant: Annotated[Grant, POLICY.require("capacity.read", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[AssistantCapacity]:
    return [
        AssistantCapacity.model_validate(r) for r in await app.queries.capacity(district=district)
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
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("retention.read")],
    older_than_years: Annotated[int | None, Query(ge=0, le=100)] = None,
) -> list[RetainedFamily]:
    years = app.settings.retention_years if older_than_years is None else older_than_years
    rows = await app.queries.retention_list(older_than_years=years, districts=grant.districts)
    return [RetainedFamily.model_validate(row) for row in rows]


def build_api(app: CaseworkApp, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    api = service_app(
        app.runtime,
        title="Asysta: praca z rodziną",
        description="Sprawy rodzin: przydział asystenta, zgoda, plan, wizyty, oceny, opinie "
        "dla sądu, zakończenie, monitorowanie i przekazanie.",
        routers=[
            router,
            device_router,
            feed_router(POLICY),
            audit_router(POLICY),
            issued_documents_router(
                POLICY, path="/cases/{case_id}/documents", action="case.document", resource="case"
            ),
        ],
        run_relay=run_relay,
        run_worker=run_worker,
    )
    api.state.casework = app
    return api
