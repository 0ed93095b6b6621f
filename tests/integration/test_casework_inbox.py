"""Casework's reactions inside the inbox's transaction, on SQLite and PostgreSQL: the effect is
stored with the inbox's own commit, and a refused reaction leaves that transaction usable."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from services.casework.adapters.tables import caseloads, cases
from services.casework.application.reactions import case_id_for
from services.casework.bootstrap import build_app
from services.casework.settings import CaseworkSettings
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    CourtOpinionRequestReceived,
    FamilyMember,
    stream_id,
)
from suite.demo_data import pesel
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA = "1465068"


async def test_reactions_commit_with_the_inbox_and_a_refusal_rolls_back_only_itself(
    db_url: str,
) -> None:
    casework = build_app(CaseworkSettings(database_url=db_url))
    runtime = casework.runtime
    await runtime.start(relay=False, worker=False)
    try:
        on_event = runtime.subscriptions["referrals"]
        assistant_id, referral_id = uuid.uuid4(), uuid.uuid4()
        registered = AssistantRegistered(
            first_name="Ewa",
            last_name="Test",
            district=OCHOTA,
            employment_form="employment_contract",
            works_since=date(2026, 1, 1),
        )
        granted = AssistanceGranted(
            family_id=uuid.uuid4(),
            source="social_worker",
            obligatory=False,
            decided_on=date(2026, 3, 1),
            members=(
                FamilyMember(
                    role="parent",
                    first_name="Anna",
                    last_name="Test",
                    pesel=pesel(date(1990, 1, 1), 9, female=True),
                ),
            ),
        )
        # The deadline precedes the request: the case's rule refuses it.
        refused = CourtOpinionRequestReceived(
            case_id=case_id_for(referral_id),
            family_id=granted.family_id,
            court_name="SR",
            case_signature="1",
            received_on=date(2026, 3, 2),
            deadline=date(2026, 3, 1),
        )
        async with runtime.transaction() as conn:
            await on_event(conn, envelope_of(registered, "assistant", assistant_id))
            await on_event(conn, envelope_of(granted, "referral", referral_id))
            await on_event(conn, envelope_of(refused, "referral", uuid.uuid4()))
            # The same transaction goes on after the refusal.
            await on_event(conn, envelope_of(granted, "referral", referral_id))
        async with runtime.engine.connect() as conn:
            case_ids = list((await conn.execute(select(cases.c.case_id))).scalars())
            caseload = (await conn.execute(select(caseloads))).one()
            stream = await runtime.store.read_stream(
                conn, stream_id("case", case_id_for(referral_id))
            )
        assert case_ids == [case_id_for(referral_id)]
        assert (caseload.assistant_id, caseload.active_families) == (assistant_id, 0)
        assert [e.event_type for e in stream] == ["CaseOpened"]
    finally:
        await runtime.stop()
