"""Registering institutions, keeping their details, closing them; finding them by district,
category and free text."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, select

from services.directory.adapters.tables import institution_districts, institutions
from services.directory.application.projection import project_all
from services.directory.domain import institution as rules
from services.directory.domain.institution import (
    INSTITUTION,
    CloseInstitution,
    Institution,
    RegisterInstitution,
    UpdateInstitution,
)
from services.directory.domain.text_search import query_terms
from shared.commands import execute
from shared.errors import NotFound
from shared.events import DomainEvent
from shared.events.directory import InstitutionCategory, InstitutionDetails
from shared.eventstore import EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def register_institution(
    runtime: ServiceRuntime, *, details: InstitutionDetails, metadata: EventMetadata
) -> UUID:
    """Register an institution; RegonAlreadyRegistered if its REGON is taken."""
    institution_id = uuid.uuid4()
    command = RegisterInstitution(details=details)
    await execute(
        runtime,
        INSTITUTION,
        institution_id,
        decide=lambda state: rules.register(state, command),
        district=lambda _state: details.district,
        metadata=metadata,
        after_append=project_all,
    )
    log.info(
        "institution.registered",
        institution_id=str(institution_id),
        district=details.district,
        category=details.category.value,
    )
    return institution_id


async def _on_existing(
    runtime: ServiceRuntime,
    institution_id: UUID,
    decide: Callable[[Institution], list[DomainEvent]],
    metadata: EventMetadata,
) -> Institution:
    def decision(state: Institution) -> list[DomainEvent]:
        if not state.exists:
            raise NotFound(entity="institution", id=institution_id)
        return decide(state)

    state, _ = await execute(
        runtime,
        INSTITUTION,
        institution_id,
        decide=decision,
        district=lambda state: state.district,
        metadata=metadata,
        after_append=project_all,
    )
    return state


async def update_institution(
    runtime: ServiceRuntime,
    institution_id: UUID,
    *,
    details: InstitutionDetails | None = None,
    changes: Mapping[str, Any] | None = None,
    metadata: EventMetadata,
) -> None:
    """Replace the details (`details`), or change some of them (`changes`: field name to new
    value, applied to the details as they are when the change is decided)."""
    if (details is None) == (changes is None):
        raise TypeError("give either details or changes")

    def decide(state: Institution) -> list[DomainEvent]:
        new = details
        if new is None:
            assert state.details is not None and changes is not None
            new = InstitutionDetails.model_validate({**state.details.model_dump(), **changes})
        return rules.update(state, UpdateInstitution(details=new))

    await _on_existing(runtime, institution_id, decide, metadata)
    log.info("institution.updated", institution_id=str(institution_id))


async def close_institution(
    runtime: ServiceRuntime,
    institution_id: UUID,
    *,
    closed_on: date | None,
    reason: str,
    metadata: EventMetadata,
) -> None:
    today = runtime.clock.today()
    command = CloseInstitution(closed_on=closed_on or today, reason=reason, today=today)
    await _on_existing(runtime, institution_id, lambda s: rules.close(s, command), metadata)
    log.info("institution.closed", institution_id=str(institution_id))


def _as_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data.pop("search_text", None)
    data.pop("sort_name", None)
    data["address"] = {
        "street": data.pop("street"),
        "postal_code": data.pop("postal_code"),
        "city": data.pop("city"),
    }
    data["closed"] = data["closed_on"] is not None
    return data


async def get_institution(runtime: ServiceRuntime, institution_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                select(institutions).where(institutions.c.institution_id == institution_id)
            )
        ).first()
    if row is None:
        raise NotFound(entity="institution", id=institution_id)
    return _as_dict(row)


async def find_institution_by_regon(runtime: ServiceRuntime, regon: str) -> UUID | None:
    async with runtime.engine.connect() as conn:
        found: UUID | None = (
            await conn.execute(
                select(institutions.c.institution_id).where(institutions.c.regon == regon)
            )
        ).scalar()
    return found


async def search_institutions(
    runtime: ServiceRuntime,
    *,
    district: str | None = None,
    category: InstitutionCategory | None = None,
    text: str | None = None,
    include_closed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Institutions serving `district` (seated there or serving it too), of `category`, whose
    name, address, districts or competence contain every word of `text`, whatever the case and
    the diacritics; ordered by name."""
    conditions: list[ColumnElement[bool]] = []
    if district is not None:
        conditions.append(
            institutions.c.institution_id.in_(
                select(institution_districts.c.institution_id).where(
                    institution_districts.c.district == district
                )
            )
        )
    if category is not None:
        conditions.append(institutions.c.category == InstitutionCategory(category).value)
    for term in query_terms(text or ""):
        # Stored words are each preceded by a space: this finds a word beginning with `term`.
        conditions.append(institutions.c.search_text.contains(" " + term, autoescape=True))
    if not include_closed:
        conditions.append(institutions.c.closed_on.is_(None))
    query = (
        select(institutions)
        .where(and_(True, *conditions))
        .order_by(institutions.c.sort_name, institutions.c.institution_id)
        .limit(limit)
        .offset(offset)
    )
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query)
        return [_as_dict(row) for row in rows]
