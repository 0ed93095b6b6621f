"""Keeps casework's read models in step with the events just appended, in the same
transaction: `cases` from a case's state, `court_opinions` from its requests, `case_visits`
from its visits, `caseloads` from an assistant's caseload.

The family's names and contact details in `cases.family` are encrypted under the family's key
(the event store's keyring), and searched through keyed digests only; erasing the family
clears them (`erase_family`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.casework.adapters.tables import case_visits, caseloads, cases, court_opinions
from services.casework.domain.case import CASE, Case
from services.casework.domain.caseload import Caseload
from shared.events import (
    CaseOpened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    Envelope,
    MemberRole,
    VisitLogged,
    stream_id,
)
from shared.events.personal import ERASED
from shared.eventstore.crypto import Keyring
from shared.eventstore.family_columns import ERASED_COLUMNS, family_columns
from shared.eventstore.sql import insert_ignoring_duplicates, upsert
from shared.eventstore.store import EventStore
from shared.eventstore.tables import family_keys


def _case_row(state: Case) -> dict[str, object]:
    return {
        "district": state.district,
        "obligatory": state.obligatory,
        "status": state.status.value,
        "assistant_id": state.assistant_id,
        "consent_on": state.consent_on,
        "work_started_on": state.work_started_on,
        "plan_version": state.plan_version,
        "last_visit_on": state.last_visit_on,
        "next_assessment_due": state.next_assessment_due,
        "closed_on": state.closed_on,
        "closure_reason": state.closure_reason.value if state.closure_reason else None,
        "monitoring_until": state.monitoring_until,
        "monitoring_assistant_id": state.monitoring_assistant_id,
        # Every centre the case was with, for the access check (no fold per request).
        "districts": ",".join(state.districts),
    }


class CaseIndex:
    """The inline projection of the case aggregate (registered in the bootstrap): it needs the
    store's keyring (to seal the family's card) and the lookup key (for the digests)."""

    def __init__(self, keyring: Keyring | None, lookup_key: bytes) -> None:
        self._keyring = keyring
        self._lookup_key = lookup_key

    async def _family_columns(
        self, conn: AsyncConnection, event: CaseOpened, now: datetime
    ) -> dict[str, Any]:
        members = event.members
        if self._keyring is None:
            raise RuntimeError("casework stores personal data: its event store needs a keyring")
        key = await self._keyring.key_for_writing(conn, event.family_id, now)
        if key is None or any(m.first_name == ERASED for m in members):
            # An erased family: nothing personal is written for it again.
            return {"children": sum(m.is_child for m in members)}
        return {
            **family_columns(key, event.family_id, members, self._lookup_key),
            "children": sum(m.role is MemberRole.CHILD for m in members),
        }

    async def __call__(
        self, conn: AsyncConnection, case_id: UUID, state: Case, envelopes: list[Envelope]
    ) -> None:
        await project_case(conn, case_id, state, envelopes, family=self._family_columns)

    async def index_families(
        self, engine: AsyncEngine, store: EventStore, now: datetime, *, batch: int = 200
    ) -> int:
        """Seal the card and digests of cases opened before the read model kept them (their
        columns are null while the family still has its key); returns how many were done."""
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(cases.c.case_id)
                    .join(family_keys, family_keys.c.family_id == cases.c.family_id)
                    .where(
                        cases.c.family.is_(None),
                        cases.c.surname_digests.is_(None),
                        family_keys.c.wrapped_key.is_not(None),
                    )
                    .limit(batch)
                )
            ).all()
            for row in rows:
                envelopes = await store.read_stream(conn, stream_id(CASE.name, row.case_id))
                opened = next(
                    (e.event() for e in envelopes if e.event_type == CaseOpened.event_type), None
                )
                if not isinstance(opened, CaseOpened):
                    continue
                columns = await self._family_columns(conn, opened, now)
                await conn.execute(
                    update(cases).where(cases.c.case_id == row.case_id).values(**columns)
                )
        return len(rows)


async def erase_family(conn: AsyncConnection, family_id: UUID) -> None:
    """Remove the family's personal data from every read model of casework (its key is
    destroyed as well, so even a copy of an old row could not be read)."""
    await conn.execute(update(cases).where(cases.c.family_id == family_id).values(**ERASED_COLUMNS))


# Built once: a statement built per command costs its construction and its cache key each time
# (the SET clause comes from the parameters' keys, the same on every command).
_UPDATE_CASE = update(cases).where(cases.c.case_id == bindparam("b_case_id"))


async def project_case(
    conn: AsyncConnection,
    case_id: UUID,
    state: Case,
    envelopes: list[Envelope],
    *,
    family: Any = None,
) -> None:
    """The case's rows; `family` (a CaseIndex's) adds the family's sealed card and digests."""
    if not envelopes:
        return
    recorded_at = envelopes[-1].recorded_at
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case CaseOpened():
                personal = await family(conn, event, recorded_at) if family is not None else {}
                await conn.execute(
                    insert(cases).values(
                        case_id=case_id,
                        referral_id=event.referral_id,
                        family_id=event.family_id,
                        opened_on=event.opened_on,
                        updated_at=recorded_at,
                        **personal,
                        **_case_row(state),
                    )
                )
            case VisitLogged():
                await conn.execute(
                    insert_ignoring_duplicates(conn, case_visits),
                    {
                        "visit_id": event.visit_id,
                        "case_id": case_id,
                        "visited_on": event.visited_on,
                    },
                )
            case CourtOpinionRequested():
                await conn.execute(
                    insert(court_opinions).values(
                        request_id=event.request_id,
                        case_id=case_id,
                        district=envelope.district,
                        court_name=event.court_name,
                        case_signature=event.case_signature,
                        requested_on=event.requested_on,
                        deadline=event.deadline,
                    )
                )
            case CourtOpinionSubmitted():
                await conn.execute(
                    update(court_opinions)
                    .where(court_opinions.c.request_id == event.request_id)
                    .values(submitted_on=event.submitted_on)
                )
            case CaseTransferred():
                await conn.execute(
                    update(court_opinions)
                    .where(court_opinions.c.case_id == case_id)
                    .values(district=event.to_district)
                )
    await conn.execute(
        _UPDATE_CASE, {"b_case_id": case_id, "updated_at": recorded_at, **_case_row(state)}
    )


async def project_caseload(
    conn: AsyncConnection, assistant_id: UUID, state: Caseload, _envelopes: list[Envelope]
) -> None:
    """The inline projection of the caseload aggregate (registered in the bootstrap)."""
    if not state.exists:
        await conn.execute(delete(caseloads).where(caseloads.c.assistant_id == assistant_id))
        return
    row = {
        "assistant_id": assistant_id,
        "district": state.district,
        "active_families": len(state.cases),
        "family_limit": state.limit,
        "active": state.active,
        "assistant_name": state.name or None,
    }
    await conn.execute(upsert(conn, caseloads, key=["assistant_id"], update=list(row)[1:]), row)
