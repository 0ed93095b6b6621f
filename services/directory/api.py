"""The directory's HTTP API: parse, call the application, answer. Nothing else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.directory.application.assistants import (
    get_assistant,
    list_assistants,
    register_assistant,
)
from services.directory.domain.assistant import RegisterAssistant
from shared.districts import DistrictCode
from shared.events import EmploymentForm
from shared.eventstore import EventMetadata
from shared.feed import feed_router
from shared.http import CorrelationId, CurrentPrincipal, RuntimeDep, service_app
from shared.runtime import ServiceRuntime


class RegisterAssistantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    district: DistrictCode = Field(description="kod TERC dzielnicy lub gminy, np. 1465068")
    employment_form: EmploymentForm
    works_since: date | None = None


class AssistantOut(BaseModel):
    assistant_id: UUID
    first_name: str
    last_name: str
    district: str
    employment_form: str
    works_since: date
    registered_at: datetime


router = APIRouter(tags=["assistants"])


@router.post(
    "/assistants",
    status_code=201,
    response_model=AssistantOut,
    summary="Zarejestruj asystenta rodziny",
)
async def post_assistant(
    body: RegisterAssistantRequest,
    runtime: RuntimeDep,
    response: Response,
    principal: CurrentPrincipal,
    correlation_id: CorrelationId,
) -> AssistantOut:
    assistant_id = await register_assistant(
        runtime,
        command=RegisterAssistant(
            first_name=body.first_name,
            last_name=body.last_name,
            district=body.district,
            employment_form=body.employment_form,
            works_since=body.works_since or runtime.clock.today(),
        ),
        metadata=EventMetadata(actor=principal.actor, correlation_id=correlation_id),
    )
    response.headers["Location"] = f"/assistants/{assistant_id}"
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


@router.get("/assistants", response_model=list[AssistantOut], summary="Asystenci dzielnicy")
async def get_assistants(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> list[AssistantOut]:
    rows = await list_assistants(runtime, district=district)
    return [AssistantOut.model_validate(row) for row in rows]


@router.get("/assistants/{assistant_id}", response_model=AssistantOut, summary="Asystent")
async def get_one_assistant(
    assistant_id: UUID, runtime: RuntimeDep, principal: CurrentPrincipal
) -> AssistantOut:
    return AssistantOut.model_validate(await get_assistant(runtime, assistant_id))


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: rejestr asystentów i instytucji",
        description="Asystenci rodziny i instytucje, z którymi współpracują.",
        routers=[router, feed_router()],
        run_relay=run_relay,
        run_worker=run_worker,
    )
