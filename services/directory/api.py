"""The directory's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.directory.access import POLICY, require_assistant_district
from services.directory.application.assistants import (
    change_employment,
    deactivate_assistant,
    get_assistant,
    list_assistants,
    reactivate_assistant,
    register_assistant,
)
from services.directory.application.institutions import (
    close_institution,
    get_institution,
    register_institution,
    search_institutions,
    update_institution,
)
from services.directory.domain.assistant import EmploymentTerms, RegisterAssistant
from shared.domain.districts import DistrictCode
from shared.domain.identifiers import Regon
from shared.domain.validation import invalid
from shared.events.directory import (
    Competence,
    DeactivationReason,
    Email,
    EmploymentForm,
    HoursPerWeek,
    InstitutionCategory,
    InstitutionDetails,
    Phone,
    PostalAddress,
    WorkingTime,
    WorkingTimeSystem,
)
from shared.eventstore import EventMetadata
from shared.runtime.service import ServiceRuntime
from shared.web.authorization import Grant
from shared.web.feed import feed_router
from shared.web.http import RuntimeDep, service_app
from shared.web.middleware import CorrelationId


# --- Assistants -------------------------------------------------------------------------------
class RegisterAssistantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    employment_form: EmploymentForm
    works_since: date | None = Field(None, description="początek pracy; domyślnie dziś")
    working_time: WorkingTime | None = Field(None, description="pełny etat lub część etatu")
    hours_per_week: HoursPerWeek | None = Field(None, description="wymagane przy części etatu")
    working_time_system: WorkingTimeSystem | None = Field(
        None, description="system czasu pracy (tylko umowa o pracę)"
    )
    works_until: date | None = Field(None, description="planowany koniec pracy (umowa na czas)")


class EmploymentRequest(BaseModel):
    """The terms of employment in full; what is left out is not recorded (e.g. no end date)."""

    model_config = ConfigDict(extra="forbid")

    employment_form: EmploymentForm
    working_time: WorkingTime | None = None
    hours_per_week: HoursPerWeek | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None
    effective_from: date | None = Field(None, description="od kiedy obowiązują; domyślnie dziś")


class DeactivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_on: date | None = Field(None, description="ostatni dzień pracy; domyślnie dziś")
    reason: DeactivationReason


class ReactivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resumed_on: date | None = Field(None, description="dzień powrotu do pracy; domyślnie dziś")
    works_until: date | None = Field(None, description="planowany koniec pracy")


class AssistantOut(BaseModel):
    assistant_id: UUID
    first_name: str
    last_name: str
    district: str
    employment_form: str
    works_since: date
    registered_at: datetime
    working_time: str | None
    hours_per_week: int | None
    working_time_system: str | None
    works_until: date | None
    active: bool
    ended_on: date | None
    end_reason: str | None


def _metadata(grant: Grant, correlation_id: str) -> EventMetadata:
    return EventMetadata(actor=grant.principal.actor, correlation_id=correlation_id)


assistants_router = APIRouter(tags=["assistants"])


@assistants_router.post(
    "/assistants",
    status_code=201,
    response_model=AssistantOut,
    summary="Zarejestruj asystenta rodziny",
)
async def post_assistant(
    body: RegisterAssistantRequest,
    runtime: RuntimeDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("assistant.register")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    grant.for_district(body.district)
    assistant_id = await register_assistant(
        runtime,
        command=RegisterAssistant(
            first_name=body.first_name,
            last_name=body.last_name,
            district=body.district,
            employment_form=body.employment_form,
            works_since=body.works_since or runtime.clock.today(),
            working_time=body.working_time,
            hours_per_week=body.hours_per_week,
            working_time_system=body.working_time_system,
            works_until=body.works_until,
        ),
        metadata=_metadata(grant, correlation_id),
    )
    response.headers["Location"] = f"/assistants/{assistant_id}"
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


@assistants_router.get(
    "/assistants", response_model=list[AssistantOut], summary="Asystenci (dzielnicy)"
)
async def get_assistants(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assistant.list", district_param="district")],
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    active: Annotated[bool | None, Query(description="tylko pracujący (true) lub nie")] = None,
) -> list[AssistantOut]:
    rows = await list_assistants(runtime, district=district, active=active)
    # Without a district asked for: the caller's districts only, never the whole city's staff.
    return [
        AssistantOut.model_validate(row) for row in rows if grant.principal.serves(row["district"])
    ]


@assistants_router.get(
    "/assistants/{assistant_id}", response_model=AssistantOut, summary="Asystent"
)
async def get_one_assistant(
    assistant_id: UUID,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assistant.read")],
) -> AssistantOut:
    assistant = await get_assistant(runtime, assistant_id)
    require_assistant_district(grant, assistant)
    return AssistantOut.model_validate(assistant)


@assistants_router.put(
    "/assistants/{assistant_id}/employment",
    response_model=AssistantOut,
    summary="Zmień warunki zatrudnienia (forma, wymiar, system czasu pracy, koniec umowy)",
)
async def put_employment(
    assistant_id: UUID,
    body: EmploymentRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    await change_employment(
        runtime,
        assistant_id,
        terms=EmploymentTerms(
            employment_form=body.employment_form,
            working_time=body.working_time,
            hours_per_week=body.hours_per_week,
            working_time_system=body.working_time_system,
            works_until=body.works_until,
        ),
        effective_from=body.effective_from,
        metadata=_metadata(grant, correlation_id),
    )
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


@assistants_router.post(
    "/assistants/{assistant_id}/deactivation",
    response_model=AssistantOut,
    summary="Zakończenie pracy asystenta",
)
async def post_deactivation(
    assistant_id: UUID,
    body: DeactivationRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    await deactivate_assistant(
        runtime,
        assistant_id,
        ended_on=body.ended_on,
        reason=body.reason,
        metadata=_metadata(grant, correlation_id),
    )
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


@assistants_router.post(
    "/assistants/{assistant_id}/reactivation",
    response_model=AssistantOut,
    summary="Powrót asystenta do pracy",
)
async def post_reactivation(
    assistant_id: UUID,
    body: ReactivationRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    await reactivate_assistant(
        runtime,
        assistant_id,
        resumed_on=body.resumed_on,
        works_until=body.works_until,
        metadata=_metadata(grant, correlation_id),
    )
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


# --- Institutions -----------------------------------------------------------------------------


class InstitutionPatch(BaseModel):
    """Only the fields given change; phone and e-mail can be removed with null."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    category: InstitutionCategory | None = None
    regon: Regon | None = None
    address: PostalAddress | None = None
    district: DistrictCode | None = None
    also_serves: tuple[DistrictCode, ...] | None = Field(None, max_length=30)
    phone: Phone | None = None
    email: Email | None = None
    opening_hours: str | None = Field(None, max_length=500)
    competence: tuple[Competence, ...] | None = Field(None, max_length=30)

    @model_validator(mode="after")
    def _required_fields_not_removed(self) -> InstitutionPatch:
        removed = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in ("phone", "email")
        )
        if removed:
            fields = ", ".join(removed)
            raise invalid(
                "required_field_removed",
                f"tych pól nie można usunąć: {fields}",
                f"these fields cannot be removed: {fields}",
            )
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ClosureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed_on: date | None = Field(None, description="dzień zamknięcia; domyślnie dziś")
    reason: str = Field("", max_length=500, description="np. likwidacja, połączenie z …")


class AddressOut(BaseModel):
    street: str
    postal_code: str
    city: str


class InstitutionOut(BaseModel):
    institution_id: UUID
    name: str
    category: InstitutionCategory
    regon: str
    address: AddressOut
    district: str
    also_serves: list[str]
    phone: str | None
    email: str | None
    opening_hours: str
    competence: list[str]
    closed: bool
    closed_on: date | None
    closure_reason: str | None
    registered_at: datetime
    updated_at: datetime


institutions_router = APIRouter(tags=["institutions"])


@institutions_router.post(
    "/institutions",
    status_code=201,
    response_model=InstitutionOut,
    summary="Zarejestruj instytucję (poradnię, szkołę, sąd, komisariat, organizację)",
)
async def post_institution(
    body: InstitutionDetails,
    runtime: RuntimeDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("institution.register")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    grant.for_district(body.district)
    institution_id = await register_institution(
        runtime, details=body, metadata=_metadata(grant, correlation_id)
    )
    response.headers["Location"] = f"/institutions/{institution_id}"
    return InstitutionOut.model_validate(await get_institution(runtime, institution_id))


@institutions_router.get(
    "/institutions",
    response_model=list[InstitutionOut],
    summary="Szukaj instytucji: dzielnica, kategoria, tekst (bez względu na polskie znaki)",
)
async def get_institutions(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("institution.search")],
    district: Annotated[
        DistrictCode | None, Query(description="kod TERC: siedziba lub obsługiwana dzielnica")
    ] = None,
    category: InstitutionCategory | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="słowa w nazwie, adresie lub zakresie kompetencji"),
    ] = None,
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[InstitutionOut]:
    rows = await search_institutions(
        runtime,
        district=district,
        category=category,
        text=q,
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )
    return [InstitutionOut.model_validate(row) for row in rows]


@institutions_router.get(
    "/institutions/{institution_id}", response_model=InstitutionOut, summary="Instytucja"
)
async def get_one_institution(
    institution_id: UUID,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("institution.read")],
) -> InstitutionOut:
    return InstitutionOut.model_validate(await get_institution(runtime, institution_id))


@institutions_router.put(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    summary="Zastąp dane instytucji",
)
async def put_institution(
    institution_id: UUID,
    body: InstitutionDetails,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    await update_institution(
        runtime, institution_id, details=body, metadata=_metadata(grant, correlation_id)
    )
    return InstitutionOut.model_validate(await get_institution(runtime, institution_id))


@institutions_router.patch(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    summary="Zmień wybrane dane instytucji",
)
async def patch_institution(
    institution_id: UUID,
    body: InstitutionPatch,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    await update_institution(
        runtime,
        institution_id,
        changes=body.changes(),
        metadata=_metadata(grant, correlation_id),
    )
    return InstitutionOut.model_validate(await get_institution(runtime, institution_id))


@institutions_router.post(
    "/institutions/{institution_id}/closure",
    response_model=InstitutionOut,
    summary="Instytucja zamknięta (zlikwidowana, połączona)",
)
async def post_closure(
    institution_id: UUID,
    body: ClosureRequest,
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    await close_institution(
        runtime,
        institution_id,
        closed_on=body.closed_on,
        reason=body.reason,
        metadata=_metadata(grant, correlation_id),
    )
    return InstitutionOut.model_validate(await get_institution(runtime, institution_id))


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: rejestr asystentów i instytucji",
        description="Asystenci rodziny i instytucje, z którymi współpracują.",
        routers=[assistants_router, institutions_router, feed_router(POLICY)],
        run_relay=run_relay,
        run_worker=run_worker,
    )
