"""Reporting's HTTP API."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel

from services.reporting.access import POLICY
from services.reporting.application.reports import caseload_report
from shared.authorization import Grant
from shared.districts import DistrictCode
from shared.http import RuntimeDep, service_app
from shared.runtime import ServiceRuntime


class AssistantCaseload(BaseModel):
    assistant_id: UUID
    name: str
    employment_form: str
    active_families: int
    limit: int
    free_places: int


class WaitingFamily(BaseModel):
    case_id: UUID
    waiting_since: date
    days_waiting: int
    children: int
    obligatory: bool


class CaseloadReport(BaseModel):
    district: str
    district_name: str
    as_of: date
    limit: int
    assistants: list[AssistantCaseload]
    active_families: int
    waiting_list: list[WaitingFamily]
    longest_wait_days: int


router = APIRouter(tags=["reports"])


@router.get(
    "/reports/caseload",
    response_model=CaseloadReport,
    summary="Obciążenie asystentów i lista oczekujących",
)
async def get_caseload(
    runtime: RuntimeDep,
    grant: Annotated[Grant, POLICY.require("reports.caseload", district_param="district")],
    district: Annotated[DistrictCode, Query(description="kod TERC")],
) -> CaseloadReport:
    async with runtime.engine.connect() as conn:
        report = await caseload_report(conn, district=district, today=runtime.clock.today())
    return CaseloadReport.model_validate(report)


def build_api(runtime: ServiceRuntime, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    return service_app(
        runtime,
        title="Asysta: raporty",
        description="Obciążenie asystentów, listy oczekujących, statystyki.",
        routers=[router],
        run_relay=run_relay,
        run_worker=run_worker,
    )
