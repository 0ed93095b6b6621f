"""The referrals service's HTTP API: parse, call a handler, answer. Nothing else."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.referrals.access import POLICY
from services.referrals.application import handlers
from services.referrals.application.handlers import (
    Notification,
    NotificationAnswer,
    ReceiveOpinionRequestNotification,
    ReceiveReferralNotification,
)
from services.referrals.bootstrap import ReferralsApp, ReferralsAppDep, build_app
from services.referrals.domain.errors import OpinionRequestNeedsDeadline
from services.referrals.domain.family import EraseFamily
from services.referrals.domain.referral import (
    DecideOnReferral,
    RecordInterview,
    ReferFamily,
    ReferralStatus,
)
from shared.domain.districts import DistrictCode
from shared.domain.identifiers import Regon
from shared.domain.name_search import SurnameQuery
from shared.domain.values import CalendarDate, FreeText, Reason, ShortText
from shared.events import FamilyMember, MemberRole, ReferralSource
from shared.events.family import Pesel
from shared.events.referrals import (
    MAX_MEMBERS,
    CaseSignature,
    InterviewSummary,
    OptionalReason,
    SenderReference,
)
from shared.runtime.service import ServiceRuntime
from shared.web.audit import AuditedRecord
from shared.web.audit_api import audit_router, issued_documents_router
from shared.web.authorization import Grant
from shared.web.feed import feed_router
from shared.web.http import service_app
from shared.web.idempotency import IdempotencyKey
from shared.web.middleware import CorrelationId


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReferralRequest(Body):
    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    source: ReferralSource = Field(description="skąd zgłoszenie")
    sender_reference: SenderReference | None = Field(
        None, description="znak sprawy nadawcy (szkoły, sądu, pracownika)"
    )
    referred_on: CalendarDate | None = Field(None, description="data zgłoszenia; domyślnie dziś")
    members: list[FamilyMember] = Field(min_length=1, max_length=MAX_MEMBERS)
    reason: FreeText = Field("", description="opis sytuacji rodziny")


class InterviewRequest(Body):
    conducted_on: CalendarDate
    social_worker: Annotated[ShortText, Field(max_length=200)]
    summary: InterviewSummary = ""


class Decision(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"


class DecisionRequest(Body):
    decision: Decision
    reason: OptionalReason = Field(
        "", description="uzasadnienie (wymagane przy odmowie, zapisywane też przy przyznaniu)"
    )


class ReferralOut(BaseModel):
    referral_id: UUID
    family_id: UUID
    district: str
    source: ReferralSource
    sender_reference: str | None
    referred_on: CalendarDate
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


class ReferralChange(BaseModel):
    """Odpowiedź na polecenie w sprawie zgłoszenia: co się zmieniło, nie całe zgłoszenie (to pod
    GET /referrals/{referral_id}). The answer to a command on a referral: what it changed."""

    referral_id: UUID
    family_id: UUID | None
    status: ReferralStatus = Field(description="stan zgłoszenia po poleceniu")
    obligatory: bool = Field(description="zobowiązanie sądu: asystent bez zgody rodziny")
    version: int = Field(description="wersja zgłoszenia po poleceniu (liczba jego zdarzeń)")
    events: list[str] = Field(
        description="typy zdarzeń zapisanych przez polecenie, np. FamilyReferred (przy rodzinie "
        "już zgłoszonej także zdarzenie jej otwartego zgłoszenia)"
    )
    linked_to_referral_id: UUID | None = Field(
        None, description="przy zgłoszeniu: otwarte zgłoszenie rodziny, do którego je dołączono"
    )
    linked_to_case_id: UUID | None = Field(
        None, description="przy zgłoszeniu: prowadzona sprawa rodziny, do której je dołączono"
    )


class ReferralSummary(BaseModel):
    referral_id: UUID
    family_id: UUID
    family_name: str = Field(description="nazwisko (nazwiska) rodziny; [usunięto] po usunięciu")
    display_name: str = Field(description="osoba do kontaktu")
    children: int | None
    address: str | None
    phone: str | None
    days_waited: int | None = Field(description="dni od zgłoszenia, póki czeka na decyzję")
    district: str
    source: str
    sender_reference: str | None
    status: str
    referred_on: CalendarDate
    interviewed_on: CalendarDate | None
    decided_on: CalendarDate | None
    linked_to_referral_id: UUID | None
    linked_to_case_id: UUID | None
    linked_referrals: int


class School(Body):
    regon: Regon = Field(description="REGON szkoły (9 lub 14 cyfr)")
    name: ShortText


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

# Short enough that the referral's reason (the sender's name, the problem and this) fits the
# 4000 characters of a referral's reason.
NotificationDescription = Annotated[FreeText, Field(max_length=3500)]


class SchoolNotification(Body):
    school: School
    reference: CaseSignature = Field(description="znak pisma szkoły")
    district: DistrictCode
    pupil: FamilyMember
    parents: list[FamilyMember] = Field(default_factory=list, max_length=6)
    problem: SchoolProblem
    description: NotificationDescription = ""
    sent_on: CalendarDate | None = None


class CourtNotificationKind(StrEnum):
    OBLIGATION_TO_COOPERATE = "obligation_to_cooperate"  # KRO art. 109 § 2 pkt 1
    OPINION_REQUEST = "opinion_request"  # art. 15 ust. 1 pkt 14


class Court(Body):
    name: ShortText = Field(description="sąd i wydział")


class CourtNotification(Body):
    court: Court
    case_signature: CaseSignature = Field(description="sygnatura akt")
    kind: CourtNotificationKind
    district: DistrictCode
    members: list[FamilyMember] = Field(min_length=1, max_length=MAX_MEMBERS)
    issued_on: CalendarDate | None = None
    deadline: CalendarDate | None = Field(
        None, description="termin na opinię (przy opinion_request)"
    )
    description: NotificationDescription = ""


class ErasureRequest(Body):
    reason: Annotated[Reason, Field(max_length=500)] = Field(
        description="podstawa usunięcia, np. upływ okresu przechowywania"
    )


router = APIRouter(tags=["referrals"])
notifications_router = APIRouter(tags=["notifications"])
families_router = APIRouter(tags=["families"])


async def _referral(app: ReferralsApp, referral_id: UUID) -> ReferralOut:
    return ReferralOut.model_validate(await app.queries.referral(referral_id))


def _change(changed: handlers.ReferralChanged) -> ReferralChange:
    # From what the handler already knows: answering folds none of the referral's history.
    return ReferralChange.model_validate(changed, from_attributes=True)


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralChange,
    summary="Zgłoś rodzinę do objęcia wsparciem asystenta",
)
async def post_referral(
    body: ReferralRequest,
    app: ReferralsAppDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("referral.create")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> ReferralChange:
    grant.for_district(body.district)
    command = ReferFamily(
        district=body.district,
        source=body.source,
        sender_reference=body.sender_reference,
        referred_on=body.referred_on,
        members=tuple(body.members),
        reason=body.reason,
    )
    changed = await app.runner.run(
        handlers.refer_family, command, grant.metadata(correlation_id), idempotency=idem
    )
    response.headers["Location"] = f"/referrals/{changed.referral_id}"
    return _change(changed)


@router.post(
    "/referrals/{referral_id}/interview",
    response_model=ReferralChange,
    summary="Wywiad środowiskowy pracownika socjalnego (przed decyzją)",
)
async def post_interview(
    referral_id: UUID,
    body: InterviewRequest,
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("referral.interview", resource="referral")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> ReferralChange:
    command = RecordInterview(referral_id=referral_id, **body.model_dump())
    changed = await app.runner.run(
        handlers.record_interview, command, grant.metadata(correlation_id), idempotency=idem
    )
    return _change(changed)


@router.post(
    "/referrals/{referral_id}/decision",
    response_model=ReferralChange,
    summary="Decyzja kierownika: przydzielić asystenta czy odmówić",
)
async def post_decision(
    referral_id: UUID,
    body: DecisionRequest,
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("referral.decide", resource="referral")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> ReferralChange:
    command = DecideOnReferral(
        referral_id=referral_id, granted=body.decision is Decision.GRANTED, reason=body.reason
    )
    changed = await app.runner.run(
        handlers.decide_on_referral, command, grant.metadata(correlation_id), idempotency=idem
    )
    return _change(changed)


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    summary="Zgłoszenie",
    dependencies=[POLICY.require("referral.read", resource="referral")],
)
async def get_one_referral(referral_id: UUID, app: ReferralsAppDep) -> ReferralOut:
    return await _referral(app, referral_id)


@router.get(
    "/referrals",
    response_model=list[ReferralSummary],
    summary="Zgłoszenia dzielnicy",
)
async def get_referrals(
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("referral.list", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    status: Annotated[ReferralStatus | None, Query()] = None,
    q: Annotated[
        SurnameQuery | None,
        Query(description="nazwisko lub jego początek; polskie litery dowolnie (lodz = Łódź)"),
    ] = None,
    pesel: Annotated[Pesel | None, Query(description="PESEL członka rodziny")] = None,
    mine: Annotated[
        bool, Query(description="tylko zgłoszenia przyjęte przez wywołującego (moje zgłoszenia)")
    ] = False,
) -> list[ReferralSummary]:
    rows = await app.queries.referrals(
        district=district,
        status=status.value if status else None,
        surname=q,
        pesel=pesel,
        referred_by=grant.principal.actor if mine else None,
    )
    await grant.audit_listed(
        AuditedRecord(row["family_id"], "referral", row["referral_id"], row["district"])
        for row in rows
    )
    return [ReferralSummary.model_validate(row) for row in rows]


def _answer(answer: NotificationAnswer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status_code)


_SPACES = re.compile(r"\s+")


@notifications_router.post(
    "/notifications/school",
    status_code=201,
    summary="Powiadomienie ze szkoły (np. niespełnianie obowiązku szkolnego)",
)
async def post_school_notification(
    body: SchoolNotification,
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("notification.school")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> JSONResponse:
    subject = grant.principal.subject
    command = ReceiveReferralNotification(
        notification=Notification(
            sender_key=f"school:{subject}:{body.school.regon}:{body.reference}",
            sender=body.school.name,
            sender_subject=subject,
            district=body.district,
            kind="school",
            reference=body.reference,
            body_digest=Notification.digest(body.model_dump(mode="json")),
        ),
        referral=ReferFamily(
            district=body.district,
            source=ReferralSource.SCHOOL,
            sender_reference=f"{body.school.regon}/{body.reference}",
            referred_on=body.sent_on,
            members=(*body.parents, body.pupil.model_copy(update={"role": MemberRole.CHILD})),
            reason=f"{body.school.name}: {PROBLEM_PL[body.problem]}. {body.description}".strip(),
        ),
    )
    answer = await app.runner.run(
        handlers.receive_referral_notification,
        command,
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    return _answer(answer)


@notifications_router.post(
    "/notifications/court",
    status_code=201,
    summary="Postanowienie sądu: zobowiązanie do współpracy z asystentem albo wezwanie o opinię",
)
async def post_court_notification(
    body: CourtNotification,
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("notification.court")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> JSONResponse:
    subject = grant.principal.subject
    court = _SPACES.sub(" ", body.court.name.strip()).lower()
    notification = Notification(
        sender_key=f"court:{subject}:{court}:{body.case_signature}:{body.kind.value}",
        sender=body.court.name,
        sender_subject=subject,
        district=body.district,
        kind=f"court:{body.kind.value}",
        reference=body.case_signature,
        body_digest=Notification.digest(body.model_dump(mode="json")),
    )
    metadata = grant.metadata(correlation_id)
    if body.kind is CourtNotificationKind.OPINION_REQUEST:
        if body.deadline is None:
            raise OpinionRequestNeedsDeadline()
        request = ReceiveOpinionRequestNotification(
            notification=notification,
            members=tuple(body.members),
            court_name=body.court.name,
            case_signature=body.case_signature,
            received_on=body.issued_on,
            deadline=body.deadline,
        )
        answer = await app.runner.run(
            handlers.receive_opinion_request, request, metadata, idempotency=idem
        )
        return _answer(answer)
    order = ReceiveReferralNotification(
        notification=notification,
        referral=ReferFamily(
            district=body.district,
            source=ReferralSource.COURT_ORDER,
            sender_reference=body.case_signature,
            referred_on=body.issued_on,
            members=tuple(body.members),
            reason=f"{body.court.name}, {body.case_signature}. {body.description}".strip(),
        ),
    )
    answer = await app.runner.run(
        handlers.receive_referral_notification, order, metadata, idempotency=idem
    )
    return _answer(answer)


@notifications_router.get(
    "/notifications/{notification_id}",
    summary="Stan sprawy, której dotyczy wysłane powiadomienie",
    dependencies=[POLICY.require("notification.read", resource="notification")],
)
async def get_notification(
    notification_id: UUID,
    app: ReferralsAppDep,
) -> dict[str, Any]:
    return await app.queries.notification(notification_id)


@families_router.post(
    "/families/{family_id}/erasure",
    status_code=202,
    summary="Usuń dane osobowe rodziny we wszystkich usługach (zniszczenie kluczy)",
)
async def post_erasure(
    family_id: UUID,
    body: ErasureRequest,
    app: ReferralsAppDep,
    grant: Annotated[Grant, POLICY.require("family.erase", resource="family")],
    correlation_id: CorrelationId,
) -> dict[str, str]:
    await app.runner.run(
        handlers.erase_family,
        EraseFamily(family_id=family_id, reason=body.reason),
        grant.metadata(correlation_id),
    )
    return {"family_id": str(family_id), "status": "erased"}


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    api = service_app(
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
            issued_documents_router(
                POLICY,
                path="/referrals/{referral_id}/documents",
                action="referral.document",
                resource="referral",
            ),
        ],
        run_relay=run_relay,
        run_worker=run_worker,
    )
    api.state.referrals = build_app(runtime)
    return api
