"""Applies events of every producing service to reporting's projections.

Called by the inbox, inside its transaction, once per event and in each aggregate's order;
events of types reporting does not use pass through (their version still counts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import (
    assistants_view,
    cases_view,
    referrals_view,
    visits_view,
)
from shared.events import (
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    Envelope,
    FamilyReferred,
    MonitoringEnded,
    PlanUpdated,
    ReferralDeclined,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
)
from shared.sql import upsert

Apply = Callable[[AsyncConnection, Envelope], Awaitable[None]]


async def _assistant_registered(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, AssistantRegistered)
    row = {
        "assistant_id": envelope.aggregate_id,
        "district": event.district,
        "first_name": event.first_name,
        "last_name": event.last_name,
        "employment_form": event.employment_form.value,
    }
    await conn.execute(
        upsert(conn, assistants_view, key=["assistant_id"], update=list(row)[1:]), row
    )


async def _family_referred(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, FamilyReferred)
    row = {
        "referral_id": envelope.aggregate_id,
        "family_id": event.family_id,
        "district": event.district,
        "source": event.source.value,
        "status": "awaiting_decision",
        "referred_on": event.referred_on,
    }
    await conn.execute(upsert(conn, referrals_view, key=["referral_id"], update=list(row)[1:]), row)


async def _referral_decided(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, AssistanceGranted | ReferralDeclined)
    status = "granted" if isinstance(event, AssistanceGranted) else "declined"
    await conn.execute(
        update(referrals_view)
        .where(referrals_view.c.referral_id == envelope.aggregate_id)
        .values(status=status, decided_on=event.decided_on)
    )


async def _case_opened(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, CaseOpened)
    row = {
        "case_id": envelope.aggregate_id,
        "referral_id": event.referral_id,
        "family_id": event.family_id,
        "district": event.district,
        "source": event.source.value,
        "obligatory": event.obligatory,
        "children": sum(1 for m in event.members if m.is_child),
        "status": "waiting",
        "opened_on": event.opened_on,
        "plan_version": 0,
    }
    await conn.execute(upsert(conn, cases_view, key=["case_id"], update=list(row)[1:]), row)


async def _assistant_assigned(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, AssistantAssigned)
    await conn.execute(
        update(cases_view)
        .where(cases_view.c.case_id == envelope.aggregate_id)
        .values(status="active", assistant_id=event.assistant_id, assigned_on=event.assigned_on)
    )


async def _visit_logged(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, VisitLogged)
    row = {
        "visit_id": event.visit_id,
        "case_id": envelope.aggregate_id,
        "district": envelope.district,
        "assistant_id": event.assistant_id,
        "visited_on": event.visited_on,
        "duration_minutes": event.duration_minutes,
    }
    await conn.execute(upsert(conn, visits_view, key=["visit_id"], update=list(row)[1:]), row)
    last = cases_view.c.last_visit_on
    await conn.execute(
        update(cases_view)
        .where(cases_view.c.case_id == envelope.aggregate_id)
        .where((last.is_(None)) | (last < event.visited_on))
        .values(last_visit_on=event.visited_on)
    )


async def _set_case(conn: AsyncConnection, envelope: Envelope, **values: object) -> None:
    await conn.execute(
        update(cases_view).where(cases_view.c.case_id == envelope.aggregate_id).values(**values)
    )


async def _case_closed(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, CaseClosed)
    await _set_case(
        conn,
        envelope,
        status="monitoring" if event.monitoring_until else "closed",
        assistant_id=None,
    )


async def _case_reopened(conn: AsyncConnection, envelope: Envelope) -> None:
    await _set_case(conn, envelope, status="waiting", assistant_id=None)


async def _monitoring_ended(conn: AsyncConnection, envelope: Envelope) -> None:
    await _set_case(conn, envelope, status="closed")


async def _case_transferred(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, CaseTransferred)
    await _set_case(
        conn, envelope, status="transfer_pending", assistant_id=None, district=event.to_district
    )


async def _transfer_accepted(conn: AsyncConnection, envelope: Envelope) -> None:
    await _set_case(conn, envelope, status="waiting")


async def _transfer_declined(conn: AsyncConnection, envelope: Envelope) -> None:
    await _set_case(conn, envelope, status="closed")


async def _plan_updated(conn: AsyncConnection, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, PlanUpdated)
    await conn.execute(
        update(cases_view)
        .where(cases_view.c.case_id == envelope.aggregate_id)
        .values(plan_version=event.plan_version)
    )


APPLY: dict[str, Apply] = {
    AssistantRegistered.event_type: _assistant_registered,
    FamilyReferred.event_type: _family_referred,
    AssistanceGranted.event_type: _referral_decided,
    ReferralDeclined.event_type: _referral_decided,
    CaseOpened.event_type: _case_opened,
    AssistantAssigned.event_type: _assistant_assigned,
    VisitLogged.event_type: _visit_logged,
    PlanUpdated.event_type: _plan_updated,
    CaseClosed.event_type: _case_closed,
    CaseReopened.event_type: _case_reopened,
    MonitoringEnded.event_type: _monitoring_ended,
    CaseTransferred.event_type: _case_transferred,
    TransferAccepted.event_type: _transfer_accepted,
    TransferDeclined.event_type: _transfer_declined,
}


async def project(conn: AsyncConnection, envelope: Envelope) -> None:
    apply = APPLY.get(envelope.event_type)
    if apply is not None:
        await apply(conn, envelope)
