"""Casework's HTTP API for records made on an assistant's device (offline): a batch of records,
each answered applied / already there / held for review; the review list ("do wyjaśnienia");
a person's decision on a held record. Parse, call a handler, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.casework.access import POLICY, case_scope
from services.casework.application import device_records
from services.casework.bootstrap import CaseworkApp
from services.casework.domain.device.commands import (
    ApplyHeldRecord,
    DiscardHeldRecord,
    ReceiveDeviceRecord,
    in_arrival_order,
)
from shared.domain.districts import DistrictCode
from shared.domain.errors import DomainError, NotFound
from shared.domain.values import CalendarDate, FreeText, PersonName, Reason, VisitMinutes
from shared.events import DeviceRecordContent, DeviceRecordKind, VisitPlace, VisitTopic
from shared.events.casework import DeviceId
from shared.web.auth import Role
from shared.web.authorization import AccessDenied, Grant
from shared.web.middleware import CorrelationId
from shared.web.problems import language_of


async def _casework(request: Request) -> CaseworkApp:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    app: CaseworkApp = request.app.state.casework
    return app


CaseworkAppDep = Annotated[CaseworkApp, Depends(_casework)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceRecordIn(Body):
    """One record made on the device: its id (a UUID made on the device), the device's id and
    the case version the device had; the content by kind (visit, plan_note, consent)."""

    record_id: UUID = Field(description="identyfikator zapisu nadany na urządzeniu")
    device_id: DeviceId = Field(description="identyfikator urządzenia")
    case_id: UUID
    case_version: int = Field(ge=0, description="wersja sprawy, którą znało urządzenie")
    kind: DeviceRecordKind
    happened_on: CalendarDate = Field(description="dzień wizyty, notatki lub podpisania zgody")
    happened_at: datetime | None = Field(None, description="czas na urządzeniu")
    duration_minutes: VisitMinutes | None = None
    place: VisitPlace | None = None
    present: list[PersonName] = Field(default_factory=list, max_length=20)
    topics: list[VisitTopic] = Field(default_factory=list, max_length=len(VisitTopic))
    note: FreeText = ""
    signed_by: list[PersonName] = Field(default_factory=list, max_length=10)

    def content(self) -> DeviceRecordContent:
        return DeviceRecordContent(
            kind=self.kind,
            happened_on=self.happened_on,
            happened_at=self.happened_at,
            duration_minutes=self.duration_minutes,
            place=self.place,
            present=tuple(self.present),
            topics=tuple(self.topics),
            note=self.note,
            signed_by=tuple(self.signed_by),
        )


class DeviceRecordBatch(Body):
    records: list[DeviceRecordIn] = Field(min_length=1, max_length=100)


class RecordProblem(BaseModel):
    code: str
    title: str
    detail: str


class DeviceRecordResult(BaseModel):
    """applied: appended to its case now; held: waits "do wyjaśnienia" (`reason`);
    already_there: sent before, no second effect (`first`: what became of it then:
    applied, held, applied_after_review, discarded); refused: not accepted (`problem`)."""

    record_id: UUID
    case_id: UUID
    outcome: Literal["applied", "held", "already_there", "refused"]
    reason: str | None = None
    first: str | None = None
    problem: RecordProblem | None = None


class HeldRecordOut(BaseModel):
    record_id: UUID
    device_id: str
    case_id: UUID
    case_version: int
    assistant_id: UUID
    district: str
    family_id: UUID
    reason: str
    content: DeviceRecordContent
    held_at: datetime = Field(description="kiedy zapis dotarł na serwer (UTC)")
    status: Literal["held", "applied", "discarded"]
    decided_at: datetime | None
    decided_by: str | None
    applied_to: UUID | None
    discard_reason: str | None


class ApplicationRequest(Body):
    case_id: UUID = Field(description="sprawa, do której dołączyć zapis (np. po ponownym otwarciu)")


class DiscardRequest(Body):
    reason: Reason


class HeldRecordDecision(BaseModel):
    record_id: UUID
    status: str
    case_id: UUID | None


router = APIRouter(tags=["device records"])


@router.post(
    "/device-records",
    response_model=list[DeviceRecordResult],
    summary="Zapisy z urządzenia asystenta (praca w terenie bez sieci), każdy przyjmowany raz",
)
async def post_device_records(
    body: DeviceRecordBatch,
    request: Request,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("device_records.send")],
    correlation_id: CorrelationId,
) -> list[DeviceRecordResult]:
    assistant_id = _me(grant)
    language = language_of(request)
    commands = [
        ReceiveDeviceRecord(
            record_id=record.record_id,
            device_id=record.device_id,
            case_id=record.case_id,
            case_version=record.case_version,
            assistant_id=assistant_id,
            content=record.content(),
        )
        for record in body.records
    ]
    answers: dict[UUID, DeviceRecordResult] = {}
    for command in in_arrival_order(commands):
        try:
            answer = await app.runner.run(
                device_records.receive_device_record, command, grant.metadata(correlation_id)
            )
            result = DeviceRecordResult(
                record_id=answer.record_id,
                case_id=answer.case_id,
                outcome=answer.outcome,
                reason=answer.reason,
                first=answer.first,
            )
        except DomainError as refused:
            # One record refused (a case the assistant's centre never had, an incomplete
            # record) does not stop the others; the device keeps it and shows the reason.
            result = DeviceRecordResult(
                record_id=command.record_id,
                case_id=command.case_id,
                outcome="refused",
                problem=RecordProblem(
                    code=refused.code,
                    title=refused.title(language),
                    detail=refused.detail(language),
                ),
            )
        answers[command.record_id] = result
    return [answers[r.record_id] for r in body.records]


def _me(grant: Grant) -> UUID:
    # The assistant the token's login is linked to (the policy refused an unlinked one).
    assistant_id = grant.principal.assistant_id
    if assistant_id is None:
        raise AccessDenied(role=grant.principal.role.value, action="device_records.send")
    return assistant_id


@router.get(
    "/device-records/held",
    response_model=list[HeldRecordOut],
    summary="Zapisy z urządzeń do wyjaśnienia (asystent: swoje; kierownik: dzielnicy)",
)
async def get_held_records(
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("device_records.list", district_param="district")],
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    decided: Annotated[bool, Query(description="także rozstrzygnięte")] = False,
) -> list[HeldRecordOut]:
    districts = frozenset({district}) if district else grant.districts
    assistant_id = _me(grant) if grant.principal.role is Role.ASSISTANT else None
    rows = await device_records.held_records(
        app.runtime, districts=districts, assistant_id=assistant_id, include_decided=decided
    )
    return [HeldRecordOut.model_validate(row) for row in rows]


async def _target_allowed(app: CaseworkApp, grant: Grant, case_id: UUID) -> None:
    """The case a held record goes to is one the person may write to: of their district, and
    for an assistant, a family they work with."""
    scope = await case_scope(app.runtime, {"case_id": case_id})
    principal = grant.principal
    hidden = NotFound(entity="case", id=case_id)
    if not principal.serves(scope.district):
        raise hidden
    if principal.role is Role.ASSISTANT and scope.assistant_id != _me(grant):
        raise hidden


@router.post(
    "/device-records/{record_id}/application",
    response_model=HeldRecordDecision,
    summary="Dołącz zapis do wyjaśnienia do właściwej sprawy",
)
async def post_application(
    record_id: UUID,
    body: ApplicationRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("device_records.decide", resource="device_record")],
    correlation_id: CorrelationId,
) -> HeldRecordDecision:
    await _target_allowed(app, grant, body.case_id)
    decided = await app.runner.run(
        device_records.apply_held_record,
        ApplyHeldRecord(record_id=record_id, case_id=body.case_id),
        grant.metadata(correlation_id),
    )
    return HeldRecordDecision(
        record_id=decided.record_id, status=decided.status, case_id=decided.case_id
    )


@router.post(
    "/device-records/{record_id}/discard",
    response_model=HeldRecordDecision,
    summary="Odrzuć zapis do wyjaśnienia (z uzasadnieniem)",
)
async def post_discard(
    record_id: UUID,
    body: DiscardRequest,
    app: CaseworkAppDep,
    grant: Annotated[Grant, POLICY.require("device_records.decide", resource="device_record")],
    correlation_id: CorrelationId,
) -> HeldRecordDecision:
    decided = await app.runner.run(
        device_records.discard_held_record,
        DiscardHeldRecord(record_id=record_id, reason=body.reason),
        grant.metadata(correlation_id),
    )
    return HeldRecordDecision(
        record_id=decided.record_id, status=decided.status, case_id=decided.case_id
    )


__all__ = ["router"]
