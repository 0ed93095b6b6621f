"""The referrals service's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.referrals.application.referrals import (
    decide_on_referral,
    file_referral,
    get_referral,
    list_referrals,
)
from services.referrals.domain.referral import ReferralStatus
from shared.districts import DistrictCode
from shared.events import FamilyMember, ReferralSource
from shared.eventstore import EventMetadata
from shared.feed import feed_router
from shared.http import CorrelationId, CurrentPrincipal, RuntimeDep, service_app
from shared.runtime import ServiceRuntime


class ReferralRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    source: ReferralSource = Field(description="skąd zgłoszenie")
    sender_reference: str | None = Field(
        None, max_length=200, description="znak sprawy nadawcy (szkoły, sądu, pracownika)"
    )
    referred_on: date | None = Field(None, description="data zgłoszenia; domyślnie dziś")
    members: list[FamilyMember] = Field(min_length=1, max_length=30)
    reason: str = Field("", max_length=4000, description="opis sytuacji rodziny")


class Decision(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field("", max_length=2000, description="uzasadnienie (wymagane przy odmowie)")


class DecisionOut(BaseModel):
    decided_on: date
    decided_by: str
    reason: str


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
    decision: DecisionOut | None
    version: int


class ReferralSummary(BaseModel):
    referral_id: UUID
    family_id: UUID
    district: str
    source: str
    sender_reference: str | None
    status: str
    referred_on: date
    decided_on: date | None


router = APIRouter(tags=["referrals"])


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralOut,
    summary="Zgłoś rodzinę do objęcia wsparciem asystenta",
)
async def post_referral(
    body: ReferralRequest,
    runtime: RuntimeDep,
    response: Response,
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> ReferralOut:
    referral_id = await file_referral(
        runtime,
        district=body.district,
        source=body.source,
        sender_reference=body.sender_reference,
        referred_on=body.referred_on or runtime.clock.today(),
        members=tuple(body.members),
        reason=body.reason,
        metadata=EventMetadata(actor=principal.actor, correlation_id=correlation_id),
    )
    response.headers["Location"] = f"/referrals/{referral_id}"
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
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> ReferralOut:
    await decide_on_referral(
        runtime,
        referral_id,
        granted=body.decision is Decision.GRANTED,
        reason=body.reason,
        metadata=EventMetadata(actor=principal.actor, correlation_id=correlation_id),
    )
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.get("/referrals/{referral_id}", response_model=ReferralOut, summary="Zgłoszenie")
async def get_one_referral(
    referral_id: UUID, runtime: RuntimeDep, principal: CurrentPrincipal
) -> ReferralOut:
    return ReferralOut.model_validate(await get_referral(runtime, referral_id))


@router.get("/referrals", response_model=list[ReferralSummary], summary="Zgłoszenia dzielnicy")
async def get_referrals(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    district: Annotated[DistrictCode, Query(description="kod TERC")],
    status: Annotated[ReferralStatus | None, Query()] = None,
) -> list[ReferralSummary]:
    rows = await list_referrals(runtime, district=district, status=status.value if status else None)
    return [ReferralSummary.model_validate(row) for row in rows]


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: zgłoszenia",
        description="Zgłoszenia rodzin i decyzje kierownika ośrodka.",
        routers=[router, feed_router()],
        run_relay=run_relay,
        run_worker=run_worker,
    )
