"""The referrals service's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

import re
import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.referrals.access import POLICY
from services.referrals.application import notifications as inbound
from services.referrals.application.erasure import erase_family
from services.referrals.application.family_index import FamilyIndex
from services.referrals.application.referrals import (
    decide_on_referral,
    file_referral,
    get_referral,
    list_referrals,
    record_interview,
)
from services.referrals.domain.referral import RecordInterview, ReferFamily, ReferralStatus
from shared.audit_api import audit_router
from shared.authorization import Grant
from shared.districts import DistrictCode
from shared.events import FamilyMember, MemberRole, ReferralSource
from shared.eventstore import EventMetadata
from shared.feed import feed_router
from shared.http import CorrelationId, RuntimeDep, service_app
from shared.identifiers import Regon
from shared.runtime import ServiceRuntime


def family_index(runtime: RuntimeDep) -> FamilyIndex:
    return FamilyIndex(runtime.settings.lookup_key())


IndexDep = Annotated[FamilyIndex, Depends(family_index)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReferralRequest(Body):
    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    source: ReferralSource = Field(description="skąd zgłoszenie")
    sender_reference: str | None = Field(
        None, max_length=200, description="znak sprawy nadawcy (szkoły, sądu, pracownika)"
    )
    referred_on: date | None = Field(None, description="data zgłoszenia; domyślnie dziś")
    members: list[FamilyMember] = Field(min_length=1, max_length=30)
    reason: str = Field("", max_length=4000, description="opis sytuacji rodziny")


class InterviewRequest(Body):
    conducted_on: date
    social_worker: str = Field(min_length=1, max_length=200)
    summary: str = Field("", max_length=8000)


class Decision(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"


class DecisionRequest(Body):
    decision: Decision
    reason: str = Field("", max_length=2000, description="uzasadnienie (wymagane przy odmowie)")


class ReferralOut(BaseModel):
    referral_id: UUID
    family_id: UUID
    district: str
    source: ReferralSource
    sender_reference: str | None
    referred_on: date
    reason: str
    members: list[dict[str, Any]]
    status: ReferralStatus
    obligatory: bool
    interview: dict[str, Any] | None
    decision: dict[str, Any] | None
    linked_to_referral_id: UUID | None
    linked_to_case_id: UUID | None
    linked_referrals: list[dict[str, Any]]
    version: int


class ReferralSummary(BaseModel):
    referral_id: UUID
    family_id: UUID
    district: str
    source: str
    sender_reference: str | None
    status: str
    referred_on: date
    interviewed_on: date | None
    decided_on: date | None
    linked_to_referral_id: UUID | None
    linked_to_case_id: UUID | None
    linked_referrals: int


class School(Body):
    regon: Regon = Field(description="REGON szkoły (9 lub 14 cyfr)")
    name: str = Field(min_length=1, max_length=300)


class SchoolProblem(StrEnum):
    SCHOOL_DUTY_ABSENCE = "school_duty_absence"  # niespełnianie obowiązku szkolnego
    NEGLECT_SUSPECTED = "neglect_suspected"
    BEHAVIOUR = "behaviour"
    OTHER = "other"


PROBLEM_PL = {
    SchoolProblem.SCHOOL_DUTY_ABSENCE: "niespełnianie obowiązku szkolnego",
    SchoolProblem.NEGLECT_SUSPECTED: "podejrzenie zaniedbania",
    SchoolProblem.BEHAVIOUR: "trudności wychowawcze",
    SchoolProblem.OTHER: "inny problem",
}


class SchoolNotification(Body):
    school: School
    reference: str = Field(min_length=1, max_length=100, description="znak pisma szkoły")
    district: DistrictCode
    pupil: FamilyMember
    parents: list[FamilyMember] = Field(default_factory=list, max_length=6)
    problem: SchoolProblem
    description: str = Field("", max_length=4000)
    sent_on: date | None = None


class CourtNotificationKind(StrEnum):
    OBLIGATION_TO_COOPERATE = "obligation_to_cooperate"  # KRO art. 109 § 2 pkt 1
    OPINION_REQUEST = "opinion_request"  # art. 15 ust. 1 pkt 14


class Court(Body):
    name: str = Field(min_length=1, max_length=300, description="sąd i wydział")


class CourtNotification(Body):
    court: Court
    case_signature: str = Field(min_length=1, max_length=100, description="sygnatura akt")
    kind: CourtNotificationKind
    district: DistrictCode
    members: list[FamilyMember] = Field(min_length=1, max_length=30)
    issued_on: date | None = None
    deadline: date | None = Field(None, description="termin na opinię (przy opinion_request)")
    description: str = Field("", max_length=4000)


router = APIRouter(tags=["referrals"])
notifications_router = APIRouter(tags=["notifications"])


def _metadata(grant: Grant, correlation_id: str) -> EventMetadata:
    return EventMetadata(actor=grant.principal.actor, correlation_id=correlation_id)


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralOut,
    summary="Zgłoś rodzinę do objęcia wsparciem asystenta",
)
async def post_referral(
    body: ReferralRequest,
    runtime: RuntimeDep,
    index: IndexDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("referral.create")],
    correlation_id: CorrelationId,
) -> ReferralOut:
    grant.for_district(body.district)
    referral_id = await file_referral(
        runtime,
        index,
        district=body.district,
        source=body.source,
        sender_reference=body.sender_reference,
        referred_on=body.referred_on or runtime.clock.today(),
        members=tuple(body.members),
        reason=body.reason,
        metadata=_metadata(grant, correlation_id),
    )
    response.headers["Location"] = f"/referrals/{referral_id}"
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.post(
    "/referrals/{referral_id}/interview",
    response_model=ReferralOut,
    summary="Wywiad środowiskowy pracownika socjalnego (przed decyzją)",
)
async def post_interview(
    referral_id: UUID,
    body: InterviewRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("referral.interview", resource="referral")],
    correlation_id: CorrelationId,
) -> ReferralOut:
    await record_interview(
        runtime,
        referral_id,
        command=RecordInterview(
            conducted_on=body.conducted_on, social_worker=body.social_worker, summary=body.summary
        ),
        metadata=_metadata(grant, correlation_id),
    )
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.post(
    "/referrals/{referral_id}/decision",
    response_model=ReferralOut,
    summary="Decyzja kierownika: przydzielić asystenta czy odmówić",
)
async def post_decision(
    referral_id: UUID,
    body: DecisionRequest,
    runtime: RuntimeDep,
    index: IndexDep,
    grant: Annotated[Grant, POLICY.require("referral.decide", resource="referral")],
    correlation_id: CorrelationId,
) -> ReferralOut:
    await decide_on_referral(
        runtime,
        index,
        referral_id,
        granted=body.decision is Decision.GRANTED,
        reason=body.reason,
        metadata=_metadata(grant, correlation_id),
    )
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.get("/referrals/{referral_id}", response_model=ReferralOut, summary="Zgłoszenie")
async def get_one_referral(
    referral_id: UUID,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("referral.read", resource="referral")],
) -> ReferralOut:
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.get("/referrals", response_model=list[ReferralSummary], summary="Zgłoszenia dzielnicy")
async def get_referrals(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("referral.list", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    status: Annotated[ReferralStatus | None, Query()] = None,
) -> list[ReferralSummary]:
    rows = await list_referrals(runtime, district=district, status=status.value if status else None)
    return [ReferralSummary.model_validate(row) for row in rows]


def _answer(answer: inbound.Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status_code)


_SPACES = re.compile(r"\s+")


@notifications_router.post(
    "/notifications/school",
    status_code=201,
    summary="Powiadomienie ze szkoły (np. niespełnianie obowiązku szkolnego)",
)
async def post_school_notification(
    body: SchoolNotification,
    runtime: RuntimeDep,
    index: IndexDep,
    grant: Annotated[Grant, POLICY.require("notification.school")],
    correlation_id: CorrelationId,
) -> JSONResponse:
    members = (*body.parents, body.pupil.model_copy(update={"role": MemberRole.CHILD}))
    command = ReferFamily(
        family_id=uuid.uuid4(),
        district=body.district,
        source=ReferralSource.SCHOOL,
        sender_reference=f"{body.school.regon}/{body.reference}",
        referred_on=body.sent_on or runtime.clock.today(),
        members=members,
        reason=f"{body.school.name}: {PROBLEM_PL[body.problem]}. {body.description}".strip(),
    )
    answer = await inbound.receive(
        runtime,
        sender_key=f"school:{grant.principal.subject}:{body.school.regon}:{body.reference}",
        sender=body.school.name,
        sender_subject=grant.principal.subject,
        district=body.district,
        kind="school",
        reference=body.reference,
        payload=body.model_dump(mode="json"),
        act=inbound.referral_act(runtime, index, command, _metadata(grant, correlation_id)),
    )
    return _answer(answer)


@notifications_router.post(
    "/notifications/court",
    status_code=201,
    summary="Postanowienie sądu: zobowiązanie do współpracy z asystentem albo wezwanie o opinię",
)
async def post_court_notification(
    body: CourtNotification,
    runtime: RuntimeDep,
    index: IndexDep,
    grant: Annotated[Grant, POLICY.require("notification.court")],
    correlation_id: CorrelationId,
) -> JSONResponse:
    today = runtime.clock.today()
    metadata = _metadata(grant, correlation_id)
    court = _SPACES.sub(" ", body.court.name.strip()).lower()
    if body.kind is CourtNotificationKind.OPINION_REQUEST:
        if body.deadline is None:
            raise inbound.OpinionRequestNeedsDeadline()
        act = inbound.opinion_request_act(
            runtime,
            index,
            district=body.district,
            members=tuple(body.members),
            court_name=body.court.name,
            case_signature=body.case_signature,
            received_on=body.issued_on or today,
            deadline=body.deadline,
            metadata=metadata,
        )
    else:
        act = inbound.referral_act(
            runtime,
            index,
            ReferFamily(
                family_id=uuid.uuid4(),
                district=body.district,
                source=ReferralSource.COURT_ORDER,
                sender_reference=body.case_signature,
                referred_on=body.issued_on or today,
                members=tuple(body.members),
                reason=f"{body.court.name}, {body.case_signature}. {body.description}".strip(),
            ),
            metadata,
        )
    answer = await inbound.receive(
        runtime,
        sender_key=f"court:{grant.principal.subject}:{court}:{body.case_signature}:{body.kind.value}",
        sender=body.court.name,
        sender_subject=grant.principal.subject,
        district=body.district,
        kind=f"court:{body.kind.value}",
        reference=body.case_signature,
        payload=body.model_dump(mode="json"),
        act=act,
    )
    return _answer(answer)


@notifications_router.get(
    "/notifications/{notification_id}", summary="Stan sprawy, której dotyczy wysłane powiadomienie"
)
async def get_notification(
    notification_id: UUID,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("notification.read", resource="notification")],
) -> dict[str, Any]:
    return await inbound.notification_status(runtime, notification_id)


class ErasureRequest(Body):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="podstawa usunięcia, np. upływ okresu przechowywania",
    )


families_router = APIRouter(tags=["families"])


@families_router.post(
    "/families/{family_id}/erasure",
    status_code=202,
    summary="Usuń dane osobowe rodziny we wszystkich usługach (zniszczenie kluczy)",
)
async def post_erasure(
    family_id: UUID,
    body: ErasureRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("family.erase", resource="family")],
    correlation_id: CorrelationId,
) -> dict[str, str]:
    await erase_family(
        runtime, family_id, reason=body.reason, metadata=_metadata(grant, correlation_id)
    )
    return {"family_id": str(family_id), "status": "erased"}


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: zgłoszenia",
        description="Zgłoszenia rodzin ze wszystkich źródeł, powiadomienia szkół i sądów, "
        "decyzje kierownika ośrodka.",
        routers=[
            router,
            notifications_router,
            families_router,
            feed_router(POLICY),
            audit_router(POLICY),
        ],
        run_relay=run_relay,
        run_worker=run_worker,
    )
