"""The directory's read model: one projector for every event, used inline (in the transaction
that appends the events) and to rebuild the tables from the event store when their shape
changed (READ_MODEL_VERSION)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.adapters.tables import (
    READ_MODEL_TABLES,
    READ_MODEL_VERSION,
    assistants,
    institution_districts,
    institutions,
    read_model_version,
)
from services.directory.domain.assistant.errors import LoginTaken
from services.directory.domain.institution.errors import RegonAlreadyRegistered
from services.directory.domain.text_search import fold, search_document
from shared.domain.districts import district_name
from shared.events import Envelope
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmailChanged,
    AssistantEmploymentChanged,
    AssistantLoginChanged,
    AssistantReactivated,
    AssistantRegistered,
    InstitutionClosed,
    InstitutionDetails,
    InstitutionRegistered,
    InstitutionUpdated,
)
from shared.eventstore import EventStore
from shared.runtime.logging import get_logger
from shared.runtime.service import ServiceRuntime

log = get_logger(__name__)

_REBUILD_LOCK = 7305510021  # PostgreSQL advisory lock: one process rebuilds, the others wait


def search_text(details: InstitutionDetails) -> str:
    """Everything a free-text search looks at, folded: name, category, address, districts and
    competence."""
    return search_document(
        [
            details.name,
            details.category.label_pl,
            details.address.street,
            details.address.postal_code,
            details.address.city,
            *(district_name(d) for d in details.districts),
            *details.competence,
        ]
    )


def _institution_row(details: InstitutionDetails) -> dict[str, Any]:
    return {
        "name": details.name,
        "category": details.category.value,
        "regon": details.regon,
        "street": details.address.street,
        "postal_code": details.address.postal_code,
        "city": details.address.city,
        "district": details.district,
        "also_serves": list(details.also_serves),
        "phone": details.phone,
        "email": details.email,
        "opening_hours": details.opening_hours,
        "competence": list(details.competence),
        "sort_name": fold(details.name)[:300],
        "search_text": search_text(details),
    }


async def _write_institution(
    conn: AsyncConnection, envelope: Envelope, details: InstitutionDetails, *, new: bool
) -> None:
    row = _institution_row(details)
    institution_id = envelope.aggregate_id
    # A savepoint, so that a duplicate REGON leaves a PostgreSQL transaction usable for the
    # caller's rollback and maps to a domain error rather than a database one.
    try:
        async with conn.begin_nested():
            if new:
                await conn.execute(
                    insert(institutions).values(
                        institution_id=institution_id,
                        registered_at=envelope.recorded_at,
                        updated_at=envelope.recorded_at,
                        **row,
                    )
                )
            else:
                await conn.execute(
                    update(institutions)
                    .where(institutions.c.institution_id == institution_id)
                    .values(updated_at=envelope.recorded_at, **row)
                )
    except IntegrityError as exc:
        holder = (
            await conn.execute(
                select(institutions.c.institution_id).where(institutions.c.regon == details.regon)
            )
        ).scalar()
        if holder is None:
            raise
        raise RegonAlreadyRegistered(regon=details.regon, institution_id=holder) from exc
    await conn.execute(
        delete(institution_districts).where(
            institution_districts.c.institution_id == institution_id
        )
    )
    await conn.execute(
        insert(institution_districts),
        [{"institution_id": institution_id, "district": d} for d in details.districts],
    )


async def _with_login(conn: AsyncConnection, login: str | None, statement: Any) -> None:
    """Write an assistant's row; a login another assistant holds (a concurrent command took
    it) is LoginTaken, at a savepoint so that the caller's transaction stays usable."""
    try:
        async with conn.begin_nested():
            await conn.execute(statement)
    except IntegrityError as exc:
        if login is None:
            raise
        raise LoginTaken(login=login) from exc


async def project(conn: AsyncConnection, envelope: Envelope) -> None:
    """Apply one directory event to the read model."""
    event = envelope.event()
    match event:
        case AssistantRegistered():
            await _with_login(
                conn,
                event.login,
                insert(assistants).values(
                    assistant_id=envelope.aggregate_id,
                    first_name=event.first_name,
                    last_name=event.last_name,
                    district=event.district,
                    employment_form=event.employment_form.value,
                    works_since=event.works_since,
                    registered_at=envelope.recorded_at,
                    working_time=event.working_time,
                    hours_per_week=event.hours_per_week,
                    working_time_system=event.working_time_system,
                    works_until=event.works_until,
                    active=True,
                    login=event.login,
                    email=event.email,
                ),
            )
        case AssistantLoginChanged():
            await _with_login(
                conn,
                event.login,
                update(assistants)
                .where(assistants.c.assistant_id == envelope.aggregate_id)
                .values(login=event.login),
            )
        case AssistantEmailChanged():
            await conn.execute(
                update(assistants)
                .where(assistants.c.assistant_id == envelope.aggregate_id)
                .values(email=event.email)
            )
        case AssistantEmploymentChanged():
            await conn.execute(
                update(assistants)
                .where(assistants.c.assistant_id == envelope.aggregate_id)
                .values(
                    employment_form=event.employment_form.value,
                    working_time=event.working_time,
                    hours_per_week=event.hours_per_week,
                    working_time_system=event.working_time_system,
                    works_until=event.works_until,
                )
            )
        case AssistantDeactivated():
            await conn.execute(
                update(assistants)
                .where(assistants.c.assistant_id == envelope.aggregate_id)
                .values(active=False, ended_on=event.ended_on, end_reason=event.reason.value)
            )
        case AssistantReactivated():
            await conn.execute(
                update(assistants)
                .where(assistants.c.assistant_id == envelope.aggregate_id)
                .values(active=True, ended_on=None, end_reason=None, works_until=event.works_until)
            )
        case InstitutionRegistered():
            await _write_institution(conn, envelope, event.details, new=True)
        case InstitutionUpdated():
            await _write_institution(conn, envelope, event.details, new=False)
        case InstitutionClosed():
            await conn.execute(
                update(institutions)
                .where(institutions.c.institution_id == envelope.aggregate_id)
                .values(
                    closed_on=event.closed_on,
                    closure_reason=event.reason,
                    updated_at=envelope.recorded_at,
                )
            )


async def project_inline(
    conn: AsyncConnection, _aggregate_id: UUID, _state: object, envelopes: list[Envelope]
) -> None:
    """The inline projection of both aggregates (in the command's transaction)."""
    for envelope in envelopes:
        await project(conn, envelope)


async def rebuild_read_model(conn: AsyncConnection, store: EventStore) -> int:
    """Empty the read model's tables (recreating them in their current shape) and apply every
    stored event again, in stored order. Returns the number of events applied."""
    await conn.run_sync(
        lambda sync: read_model_version.metadata.drop_all(sync, tables=list(READ_MODEL_TABLES))
    )
    await conn.run_sync(
        lambda sync: read_model_version.metadata.create_all(sync, tables=list(READ_MODEL_TABLES))
    )
    applied, after = 0, 0
    while page := await store.read_all(conn, after=after, limit=1000):
        for position, envelope in page:
            await project(conn, envelope)
            applied, after = applied + 1, position
    await conn.execute(delete(read_model_version))
    await conn.execute(
        insert(read_model_version).values(name="directory", version=READ_MODEL_VERSION)
    )
    return applied


async def ensure_read_model(runtime: ServiceRuntime) -> None:
    """Rebuild the read model if it was built by another version of this code (or never)."""
    async with runtime.transaction() as conn:
        if conn.dialect.name != "sqlite":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_REBUILD_LOCK})"))
        stored = (await conn.execute(select(read_model_version.c.version))).scalar()
        if stored == READ_MODEL_VERSION:
            return
        applied = await rebuild_read_model(conn, runtime.store)
    log.info(
        "directory.read_model_rebuilt",
        from_version=stored,
        to_version=READ_MODEL_VERSION,
        events=applied,
    )
