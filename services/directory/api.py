"""The directory's HTTP API: parse, call a handler, answer. Nothing else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.directory.access import POLICY, require_assistant_district
from services.directory.application import handlers
from services.directory.bootstrap import DirectoryApp, DirectoryAppDep, build_app
from services.directory.domain.assistant import (
    ChangeEmail,
    ChangeEmployment,
    ChangeLogin,
    DeactivateAssistant,
    EmploymentTerms,
    ReactivateAssistant,
    RegisterAssistant,
)
from services.directory.domain.institution import (
    ChangeInstitution,
    CloseInstitution,
    RegisterInstitution,
    UpdateInstitution,
)
from shared.domain.districts import DistrictCode
from shared.domain.errors import NotFound
from shared.domain.identifiers import Regon
from shared.domain.validation import invalid
from shared.domain.values import CalendarDate, ShortText
from shared.events.directory import (
    ClosureReason,
    Competence,
    DeactivationReason,
    Email,
    EmploymentForm,
    HoursPerWeek,
    InstitutionCategory,
    InstitutionDetails,
    Login,
    OpeningHours,
    Phone,
    PostalAddress,
    StaffName,
    WorkingTime,
    WorkingTimeSystem,
)
from shared.runtime.service import ServiceRuntime
from shared.web.authorization import Grant
from shared.web.feed import feed_router
from shared.web.http import service_app
from shared.web.idempotency import IdempotencyKey
from shared.web.middleware import CorrelationId

# The deepest page of a search: bounded, so that no offset overflows the database's integer.
MAX_OFFSET = 100_000

# --- Assistants -------------------------------------------------------------------------------


class RegisterAssistantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: StaffName
    last_name: StaffName
    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    employment_form: EmploymentForm
    works_since: CalendarDate | None = Field(None, description="początek pracy; domyślnie dziś")
    working_time: WorkingTime | None = Field(None, description="pełny etat lub część etatu")
    hours_per_week: HoursPerWeek | None = Field(None, description="wymagane przy części etatu")
    working_time_system: WorkingTimeSystem | None = Field(
        None, description="system czasu pracy (tylko umowa o pracę)"
    )
    works_until: CalendarDate | None = Field(
        None, description="planowany koniec pracy (umowa na czas)"
    )
    login: Login | None = Field(
        None,
        description="login asystenta u dostawcy tożsamości miasta (np. anna.nowak): "
        "nim się loguje; jeden login, jeden asystent",
    )
    email: Email | None = Field(
        None,
        description="służbowy adres e-mail asystenta, na który idzie codzienne zestawienie "
        "przypomnień (np. anna.nowak@ops.waw.pl)",
    )


class EmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = Field(
        description="adres e-mail na codzienne zestawienie przypomnień; null usuwa adres"
    )


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: Login | None = Field(
        description="login u dostawcy tożsamości (np. anna.nowak); null odłącza login"
    )


class EmploymentRequest(BaseModel):
    """The terms of employment in full; what is left out is not recorded (e.g. no end date)."""

    model_config = ConfigDict(extra="forbid")

    employment_form: EmploymentForm
    working_time: WorkingTime | None = None
    hours_per_week: HoursPerWeek | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: CalendarDate | None = None
    effective_from: CalendarDate | None = Field(
        None, description="od kiedy obowiązują; domyślnie dziś"
    )


class DeactivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_on: CalendarDate | None = Field(None, description="ostatni dzień pracy; domyślnie dziś")
    reason: DeactivationReason


class ReactivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resumed_on: CalendarDate | None = Field(
        None, description="dzień powrotu do pracy; domyślnie dziś"
    )
    works_until: CalendarDate | None = Field(None, description="planowany koniec pracy")


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
    works_until: CalendarDate | None
    active: bool
    ended_on: date | None
    end_reason: str | None
    login: str | None = None
    email: str | None = None


async def _assistant(app: DirectoryApp, assistant_id: UUID) -> AssistantOut:
    return AssistantOut.model_validate(await app.queries.assistant(assistant_id))


assistants_router = APIRouter(tags=["assistants"])


@assistants_router.post(
    "/assistants",
    status_code=201,
    response_model=AssistantOut,
    summary="Zarejestruj asystenta rodziny",
)
async def post_assistant(
    body: RegisterAssistantRequest,
    app: DirectoryAppDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("assistant.register")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> AssistantOut:
    grant.for_district(body.district)
    assistant_id = await app.runner.run(
        app.logins.register_assistant,
        RegisterAssistant(**body.model_dump()),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    response.headers["Location"] = f"/assistants/{assistant_id}"
    return await _assistant(app, assistant_id)


@assistants_router.get(
    "/assistants", response_model=list[AssistantOut], summary="Asystenci (dzielnicy)"
)
async def get_assistants(
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.list", district_param="district")],
    district: Annotated[DistrictCode | None, Query(description="kod TERC")] = None,
    active: Annotated[bool | None, Query(description="tylko pracujący (true) lub nie")] = None,
) -> list[AssistantOut]:
    rows = await app.queries.assistants(district=district, active=active)
    # Without a district asked for: the caller's districts only, never the whole city's staff.
    return [
        AssistantOut.model_validate(row) for row in rows if grant.principal.serves(row["district"])
    ]


@assistants_router.get(
    "/assistants/me",
    response_model=AssistantOut,
    summary="Asystent, który pyta (po loginie z tokenu)",
)
async def get_me(
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.me")],
) -> AssistantOut:
    assistant_id = grant.principal.assistant_id
    if assistant_id is None:
        raise NotFound(entity="assistant", id=grant.principal.login)
    return AssistantOut.model_validate(await app.queries.assistant(assistant_id))


@assistants_router.get(
    "/assistants/{assistant_id}", response_model=AssistantOut, summary="Asystent"
)
async def get_one_assistant(
    assistant_id: UUID,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.read")],
) -> AssistantOut:
    assistant = await app.queries.assistant(assistant_id)
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
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    terms = EmploymentTerms(**body.model_dump(exclude={"effective_from"}))
    command = ChangeEmployment(assistant_id, terms, effective_from=body.effective_from)
    await app.runner.run(handlers.change_employment, command, grant.metadata(correlation_id))
    return await _assistant(app, assistant_id)


@assistants_router.put(
    "/assistants/{assistant_id}/login",
    response_model=AssistantOut,
    summary="Zmień login asystenta (administrator)",
)
async def put_login(
    assistant_id: UUID,
    body: LoginRequest,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.login", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    command = ChangeLogin(assistant_id, body.login)
    await app.runner.run(app.logins.change_login, command, grant.metadata(correlation_id))
    return await _assistant(app, assistant_id)


@assistants_router.put(
    "/assistants/{assistant_id}/email",
    response_model=AssistantOut,
    summary="Zmień adres e-mail asystenta (administrator)",
)
async def put_email(
    assistant_id: UUID,
    body: EmailRequest,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.email", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    command = ChangeEmail(assistant_id, body.email)
    await app.runner.run(handlers.change_email, command, grant.metadata(correlation_id))
    return await _assistant(app, assistant_id)


@assistants_router.post(
    "/assistants/{assistant_id}/deactivation",
    response_model=AssistantOut,
    summary="Zakończenie pracy asystenta",
)
async def post_deactivation(
    assistant_id: UUID,
    body: DeactivationRequest,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    command = DeactivateAssistant(assistant_id, reason=body.reason, ended_on=body.ended_on)
    await app.runner.run(handlers.deactivate_assistant, command, grant.metadata(correlation_id))
    return await _assistant(app, assistant_id)


@assistants_router.post(
    "/assistants/{assistant_id}/reactivation",
    response_model=AssistantOut,
    summary="Powrót asystenta do pracy",
)
async def post_reactivation(
    assistant_id: UUID,
    body: ReactivationRequest,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("assistant.change", resource="assistant")],
    correlation_id: CorrelationId,
) -> AssistantOut:
    command = ReactivateAssistant(assistant_id, **body.model_dump())
    await app.runner.run(handlers.reactivate_assistant, command, grant.metadata(correlation_id))
    return await _assistant(app, assistant_id)


# --- Institutions -----------------------------------------------------------------------------


class InstitutionPatch(BaseModel):
    """Only the fields given change; phone and e-mail can be removed with null."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText | None = None
    category: InstitutionCategory | None = None
    regon: Regon | None = None
    address: PostalAddress | None = None
    district: DistrictCode | None = None
    also_serves: tuple[DistrictCode, ...] | None = Field(None, max_length=30)
    phone: Phone | None = None
    email: Email | None = None
    opening_hours: OpeningHours | None = None
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

    closed_on: CalendarDate | None = Field(None, description="dzień zamknięcia; domyślnie dziś")
    reason: ClosureReason = Field("", description="np. likwidacja, połączenie z …")


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


async def _institution(app: DirectoryApp, institution_id: UUID) -> InstitutionOut:
    return InstitutionOut.model_validate(await app.queries.institution(institution_id))


@institutions_router.post(
    "/institutions",
    status_code=201,
    response_model=InstitutionOut,
    summary="Zarejestruj instytucję (poradnię, szkołę, sąd, komisariat, organizację)",
)
async def post_institution(
    body: InstitutionDetails,
    app: DirectoryAppDep,
    response: Response,
    grant: Annotated[Grant, POLICY.require("institution.register")],
    correlation_id: CorrelationId,
    idem: IdempotencyKey,
) -> InstitutionOut:
    grant.for_district(body.district)
    institution_id = await app.runner.run(
        handlers.register_institution,
        RegisterInstitution(body),
        grant.metadata(correlation_id),
        idempotency=idem,
    )
    response.headers["Location"] = f"/institutions/{institution_id}"
    return await _institution(app, institution_id)


@institutions_router.get(
    "/institutions",
    response_model=list[InstitutionOut],
    summary="Szukaj instytucji: dzielnica, kategoria, tekst (bez względu na polskie znaki)",
    dependencies=[POLICY.require("institution.search")],
)
async def get_institutions(
    app: DirectoryAppDep,
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
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[InstitutionOut]:
    rows = await app.queries.search_institutions(
        district=district,
        category=category,
        text=q,
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )
    return [InstitutionOut.model_validate(row) for row in rows]


@institutions_router.get(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    summary="Instytucja",
    dependencies=[POLICY.require("institution.read")],
)
async def get_one_institution(
    institution_id: UUID,
    app: DirectoryAppDep,
) -> InstitutionOut:
    return await _institution(app, institution_id)


@institutions_router.put(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    summary="Zastąp dane instytucji",
)
async def put_institution(
    institution_id: UUID,
    body: InstitutionDetails,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    command = UpdateInstitution(institution_id, body)
    await app.runner.run(handlers.update_institution, command, grant.metadata(correlation_id))
    return await _institution(app, institution_id)


@institutions_router.patch(
    "/institutions/{institution_id}",
    response_model=InstitutionOut,
    summary="Zmień wybrane dane instytucji",
)
async def patch_institution(
    institution_id: UUID,
    body: InstitutionPatch,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    command = ChangeInstitution(institution_id, body.changes())
    await app.runner.run(handlers.change_institution, command, grant.metadata(correlation_id))
    return await _institution(app, institution_id)


@institutions_router.post(
    "/institutions/{institution_id}/closure",
    response_model=InstitutionOut,
    summary="Instytucja zamknięta (zlikwidowana, połączona)",
)
async def post_closure(
    institution_id: UUID,
    body: ClosureRequest,
    app: DirectoryAppDep,
    grant: Annotated[Grant, POLICY.require("institution.change", resource="institution")],
    correlation_id: CorrelationId,
) -> InstitutionOut:
    command = CloseInstitution(institution_id, reason=body.reason, closed_on=body.closed_on)
    await app.runner.run(handlers.close_institution, command, grant.metadata(correlation_id))
    return await _institution(app, institution_id)


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    api = service_app(
        runtime,
        title="Asysta: rejestr asystentów i instytucji",
        description="Asystenci rodziny i instytucje, z którymi współpracują.",
        routers=[assistants_router, institutions_router, feed_router(POLICY)],
        run_relay=run_relay,
        run_worker=run_worker,
    )
    api.state.directory = build_app(runtime)
    return api
