"""Reporting's set-wise projection, on SQLite and PostgreSQL: a history applied in batches of
any size, interleaved across aggregates as replicas and redeliveries would hand it over, leaves
exactly the rows that applying it one event per transaction leaves (every column of every
projection table). The history touches each kind of change a batch folds: whole rows, plain
updates, dates that keep the first or the latest value, links added and removed, and the
statements that reach rows by something other than their key (a transfer, an erasure)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.tables import (
    PROJECTION_TABLES,
    assistant_logins,
    metadata,
    referrals_view,
)
from services.reporting.application.projector import project
from shared.events import (
    AssistantAssigned,
    CaseAddedToCaseload,
    CaseClosed,
    CaseRemovedFromCaseload,
    CaseReopened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    Envelope,
    FamilyConsentRecorded,
    FamilyDataErased,
    FamilySituationAssessed,
    PlanAction,
    PlanUpdated,
    TransferAccepted,
    VisitLogged,
    VisitPlace,
    VisitTopic,
    WorkStarted,
)
from shared.events.directory import AssistantEmploymentChanged, AssistantLoginChanged
from shared.eventstore import kernel_metadata
from shared.eventstore.sql import SetWrites
from shared.messaging.inbox import Inbox
from shared.runtime.assistant_logins import project_login, project_logins
from shared.runtime.database import create_engine, create_schema
from tests.events import envelope_of
from tests.integration.test_reports import OCHOTA, WOLA, History, assistant, case

pytestmark = pytest.mark.integration

DAY = date(2026, 1, 5)


def visit(assistant_id: uuid.UUID, day: date) -> VisitLogged:
    return VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=assistant_id,
        visited_on=day,
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=("matka",),
        topics=(VisitTopic.BUDGET,),
        note="Wizyta.",
    )


def plan(version: int, day: date) -> PlanUpdated:
    return PlanUpdated(
        plan_version=version,
        actions=(PlanAction(description="Budżet.", deadline=day, expected_effect="Rachunki."),),
        agreed_with_social_worker="pracownik socjalny",
        updated_on=day,
    )


def history() -> History:
    rng = random.Random(14)
    h = History()
    erased_family = uuid.uuid4()
    staff = [assistant(h, "employment_contract", DAY) for _ in range(3)]
    h.add(
        "assistant",
        staff[0],
        AssistantEmploymentChanged(employment_form="civil_law_contract", effective_from=DAY),
    )
    for n in range(12):
        who = staff[n % 3]
        case_id, family = case(h, source="family", children=1 + n % 3, opened=DAY)
        h.add("caseload", who, CaseAddedToCaseload(case_id=case_id))
        assigned = DAY + timedelta(days=n)
        h.add(
            "case",
            case_id,
            AssistantAssigned(family_id=family, assistant_id=who, assigned_on=assigned),
        )
        h.add("case", case_id, FamilyConsentRecorded(given_on=assigned, signed_by=("A B",)))
        h.add("case", case_id, WorkStarted(started_on=assigned, next_assessment_due=DAY))
        # A consent signed on paper earlier, recorded later (offline): the earliest date stays.
        h.add(
            "case",
            case_id,
            FamilyConsentRecorded(given_on=assigned - timedelta(days=1), signed_by=("A B",)),
        )
        # Visits logged out of date order: the case keeps the latest.
        for offset in rng.sample(range(40), 5):
            h.add("case", case_id, visit(who, DAY + timedelta(days=offset)))
        h.add("case", case_id, plan(1, DAY))
        h.add("case", case_id, plan(2, DAY + timedelta(days=9)))
        h.add(
            "case",
            case_id,
            FamilySituationAssessed(
                assessed_on=DAY,
                summary="Ocena.",
                submitted_to_head_on=DAY,
                next_assessment_due=DAY + timedelta(days=180),
            ),
        )
        request = uuid.uuid4()
        h.add(
            "case",
            case_id,
            CourtOpinionRequested(
                request_id=request,
                court_name="Sąd Rejonowy",
                case_signature=f"III Nsm {n}/26",
                requested_on=DAY,
                deadline=DAY + timedelta(days=14),
            ),
        )
        if n % 2:
            h.add(
                "case",
                case_id,
                CourtOpinionSubmitted(
                    request_id=request, submitted_on=DAY + timedelta(days=7), summary="Opinia."
                ),
            )
        if n % 4 == 1:
            # Reassigned: the first assignment's date stays.
            other = staff[(n + 1) % 3]
            h.add("caseload", who, CaseRemovedFromCaseload(case_id=case_id))
            h.add("caseload", other, CaseAddedToCaseload(case_id=case_id))
            h.add(
                "case",
                case_id,
                AssistantAssigned(
                    family_id=family,
                    assistant_id=other,
                    previous_assistant_id=who,
                    assigned_on=DAY + timedelta(days=30),
                ),
            )
            h.add(
                "case",
                case_id,
                WorkStarted(started_on=DAY + timedelta(days=30), next_assessment_due=DAY),
            )
        if n % 4 == 2:
            h.add("caseload", who, CaseRemovedFromCaseload(case_id=case_id))
            h.add(
                "case",
                case_id,
                CaseClosed(
                    reason="goals_achieved",
                    closed_on=DAY + timedelta(days=60),
                    status="closed",
                ),
            )
            h.add(
                "case",
                case_id,
                CaseReopened(reopened_on=DAY + timedelta(days=70), reason="Nowe zgłoszenie."),
            )
            h.add("case", case_id, visit(who, DAY + timedelta(days=80)))
        if n % 4 == 3:
            h.add("caseload", who, CaseRemovedFromCaseload(case_id=case_id))
            h.add(
                "case",
                case_id,
                CaseTransferred(
                    from_district=OCHOTA, to_district=WOLA, transferred_on=DAY + timedelta(50)
                ),
            )
            h.add("case", case_id, TransferAccepted(decided_on=DAY + timedelta(days=51)))
        if n == 5:
            erased_family = family
    # The erasure of one family's data, last.
    erased = FamilyDataErased(erased_on=DAY + timedelta(days=90), reason="Wniosek.")
    h.add("family", erased_family, erased)
    h.envelopes[-1] = h.envelopes[-1].model_copy(update={"family_id": erased_family})
    return h


def interleaved(envelopes: list[Envelope], rng: random.Random) -> list[Envelope]:
    """Every aggregate's events in their order, the aggregates shuffled among each other."""
    by_stream: dict[str, list[Envelope]] = {}
    for e in envelopes:
        by_stream.setdefault(e.stream_id, []).append(e)
    queues = list(by_stream.values())
    out = []
    while queues:
        queue = rng.choice(queues)
        out.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return out


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    await create_schema(engine, kernel_metadata, metadata)
    yield engine
    await engine.dispose()


async def rows(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in await conn.execute(select(table))), key=repr)
            for table in PROJECTION_TABLES
        }


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in (*PROJECTION_TABLES, *kernel_metadata.sorted_tables):
            await conn.execute(table.delete())


@pytest.mark.parametrize("seed", [1, 2])
async def test_batches_of_any_size_leave_the_rows_one_event_at_a_time_leaves(
    engine: AsyncEngine, seed: int
) -> None:
    *envelopes, erasure = history().envelopes
    one_by_one = Inbox(engine, "reporting", project)
    for envelope in [*envelopes, erasure]:
        assert await one_by_one.process([envelope]) == [None]
    expected = await rows(engine)
    assert len(expected["cases_view"]) == 12
    assert any(r for r in expected["caseload_cases_view"])

    rng = random.Random(seed)
    for attempt in ("one batch", "batches", "shuffled batches with redeliveries"):
        await reset(engine)
        inbox = Inbox(engine, "reporting", project)
        if attempt == "one batch":
            assert all(r is None for r in await inbox.process(envelopes))
        else:
            order = interleaved(envelopes, rng)
            if attempt.startswith("shuffled"):
                # Across aggregates and within: early events are parked, late ones redelivered.
                order = rng.sample(order, len(order)) + order[: len(order) // 3]
            i = 0
            while i < len(order):
                size = rng.choice([1, 2, 7, 50, 200])
                assert all(r is None for r in await inbox.process(order[i : i + size]))
                i += size
        # Last, as it comes after the family's events (within a batch, the inbox applies
        # aggregates in the order of their stream ids, not of their arrival).
        assert await inbox.process([erasure]) == [None]
        assert await rows(engine) == expected, attempt


async def test_a_value_too_long_for_its_column_is_refused_not_cut(pg_url: str) -> None:
    """The rows travel as arrays: a string longer than its column is refused, as a plain
    INSERT would refuse it, never shortened to fit."""
    engine = create_engine(pg_url)
    try:
        await create_schema(engine, metadata)
        row = {
            "referral_id": uuid.uuid4(),
            "family_id": uuid.uuid4(),
            "district": "14650681",  # 8 characters in a String(7)
            "source": "family",
            "status": "awaiting_decision",
            "referred_on": DAY,
            "decided_on": None,
            "family_initials": None,
        }
        with pytest.raises(DBAPIError):
            async with engine.begin() as conn:
                writes = SetWrites(conn)
                writes.upsert(referrals_view, [row], key=["referral_id"])
                await writes.run()
        async with engine.connect() as conn:
            assert (await conn.execute(select(referrals_view))).all() == []
    finally:
        await engine.dispose()


async def test_logins_set_in_a_batch_end_as_set_one_event_at_a_time(engine: AsyncEngine) -> None:
    # project_logins (the projector's, per batch) against project_login (per event): logins
    # taken over by another assistant, dropped and given back, over rows already stored.
    rng = random.Random(14)
    assistants = [uuid.uuid4() for _ in range(6)]
    names = ["anna", "ewa", "jan", "ola"]
    links = [(rng.choice(assistants), rng.choice([*names, None])) for _ in range(400)]
    events = [
        envelope_of(AssistantLoginChanged(login=login), "Assistant", assistant_id)
        for assistant_id, login in links
    ]

    async def stored() -> list[tuple[Any, ...]]:
        async with engine.connect() as conn:
            return sorted(tuple(r) for r in await conn.execute(select(assistant_logins)))

    expected: list[list[tuple[Any, ...]]] = []
    for event in events:
        async with engine.begin() as conn:
            await project_login(conn, assistant_logins, event)
        expected.append(await stored())
    async with engine.begin() as conn:
        await conn.execute(assistant_logins.delete())
    done = 0
    while done < len(links):
        size = rng.choice([1, 2, 5, 30])
        async with engine.begin() as conn:
            await project_logins(conn, assistant_logins, links[done : done + size])
        done = min(done + size, len(links))
        assert await stored() == expected[done - 1], done
