"""Applies events of every producing service to reporting's projections.

Called by the inbox, inside its transaction, once per event and in each aggregate's order;
events of types reporting does not use pass through (their version still counts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy import Table, case, delete, func, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import (
    assistant_logins,
    assistants_view,
    caseload_cases_view,
    caseloads_view,
    cases_view,
    court_opinions_view,
    referrals_view,
    visits_view,
)
from shared.events import (
    ERASED_MARK,
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseAddedToCaseload,
    CaseClosed,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseOpened,
    CaseRemovedFromCaseload,
    CaseReopened,
    CaseTransferred,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    DomainEvent,
    Envelope,
    FamilyConsentRecorded,
    FamilyDataErased,
    FamilyMember,
    FamilyReferred,
    FamilySituationAssessed,
    MonitoringEnded,
    PlanUpdated,
    ReferralDeclined,
    ReferralLinked,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    WorkStarted,
)
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmailChanged,
    AssistantEmploymentChanged,
    AssistantLoginChanged,
    AssistantReactivated,
)
from shared.eventstore.sql import insert_ignoring_duplicates, upsert
from shared.runtime.assistant_logins import project_login

Apply = Callable[[AsyncConnection, Envelope, Any], Awaitable[None]]

_UPSERTS: dict[tuple[str, str], Any] = {}


async def _upsert(conn: AsyncConnection, table: Table, row: dict[str, Any]) -> None:
    # Built once per table and dialect: building the statement costs more than running it.
    key = (conn.dialect.name, table.name)
    if key not in _UPSERTS:
        primary = [c.name for c in table.primary_key.columns]
        others = [c.name for c in table.columns if c.name not in primary]
        _UPSERTS[key] = upsert(conn, table, key=primary, update=others)
    await conn.execute(_UPSERTS[key], row)


async def _case(conn: AsyncConnection, envelope: Envelope, **values: Any) -> None:
    await conn.execute(
        update(cases_view).where(cases_view.c.case_id == envelope.aggregate_id).values(**values)
    )


async def _assistant(conn: AsyncConnection, envelope: Envelope, **values: Any) -> None:
    await conn.execute(
        update(assistants_view)
        .where(assistants_view.c.assistant_id == envelope.aggregate_id)
        .values(**values)
    )


async def _caseload(conn: AsyncConnection, envelope: Envelope, **values: Any) -> None:
    await conn.execute(
        update(caseloads_view)
        .where(caseloads_view.c.assistant_id == envelope.aggregate_id)
        .values(**values)
    )


async def _caseload_opened(
    conn: AsyncConnection, envelope: Envelope, event: CaseloadOpened
) -> None:
    await _upsert(
        conn,
        caseloads_view,
        {
            "assistant_id": envelope.aggregate_id,
            "district": event.district,
            "family_limit": event.limit,
            "working": True,
        },
    )


async def _case_added_to_caseload(
    conn: AsyncConnection, envelope: Envelope, event: CaseAddedToCaseload
) -> None:
    await conn.execute(
        insert_ignoring_duplicates(conn, caseload_cases_view),
        {"assistant_id": envelope.aggregate_id, "case_id": event.case_id},
    )


async def _case_removed_from_caseload(
    conn: AsyncConnection, envelope: Envelope, event: CaseRemovedFromCaseload
) -> None:
    await conn.execute(
        delete(caseload_cases_view).where(
            caseload_cases_view.c.assistant_id == envelope.aggregate_id,
            caseload_cases_view.c.case_id == event.case_id,
        )
    )


async def _referral(conn: AsyncConnection, envelope: Envelope, **values: Any) -> None:
    await conn.execute(
        update(referrals_view)
        .where(referrals_view.c.referral_id == envelope.aggregate_id)
        .values(**values)
    )


async def _assistant_registered(
    conn: AsyncConnection, envelope: Envelope, event: AssistantRegistered
) -> None:
    await _upsert(
        conn,
        assistants_view,
        {
            "assistant_id": envelope.aggregate_id,
            "district": event.district,
            "first_name": event.first_name,
            "last_name": event.last_name,
            "employment_form": event.employment_form.value,
            "works_since": event.works_since,
            "ended_on": None,
            "active": True,
        },
    )


async def _family_referred(
    conn: AsyncConnection, envelope: Envelope, event: FamilyReferred
) -> None:
    await _upsert(
        conn,
        referrals_view,
        {
            "referral_id": envelope.aggregate_id,
            "family_id": event.family_id,
            "district": event.district,
            "source": event.source.value,
            "status": "awaiting_decision",
            "referred_on": event.referred_on,
            "decided_on": None,
        },
    )


async def _case_opened(conn: AsyncConnection, envelope: Envelope, event: CaseOpened) -> None:
    await _upsert(
        conn,
        cases_view,
        {
            "case_id": envelope.aggregate_id,
            "referral_id": event.referral_id,
            "family_id": event.family_id,
            "district": event.district,
            "source": event.source.value,
            "obligatory": event.obligatory,
            "children": sum(1 for m in event.members if m.is_child),
            "status": event.status.value,
            "assistant_id": None,
            "opened_on": event.opened_on,
            "assigned_on": None,
            "work_started_on": None,
            "next_assessment_due": None,
            "plan_version": 0,
            "last_visit_on": None,
            "closed_on": None,
            "closure_reason": None,
            "children_placed": 0,
            "monitoring_until": None,
        },
    )


async def _visit_logged(conn: AsyncConnection, envelope: Envelope, event: VisitLogged) -> None:
    await _upsert(
        conn,
        visits_view,
        {
            "visit_id": event.visit_id,
            "case_id": envelope.aggregate_id,
            "district": envelope.district,
            "assistant_id": event.assistant_id,
            "visited_on": event.visited_on,
            "duration_minutes": event.duration_minutes,
        },
    )
    last = cases_view.c.last_visit_on
    await conn.execute(
        update(cases_view)
        .where(cases_view.c.case_id == envelope.aggregate_id)
        .where(last.is_(None) | (last < event.visited_on))
        .values(last_visit_on=event.visited_on)
    )


async def _court_opinion_requested(
    conn: AsyncConnection, envelope: Envelope, event: CourtOpinionRequested
) -> None:
    await _upsert(
        conn,
        court_opinions_view,
        {
            "request_id": event.request_id,
            "case_id": envelope.aggregate_id,
            "district": envelope.district,
            "requested_on": event.requested_on,
            "deadline": event.deadline,
            "submitted_on": None,
        },
    )


async def _court_opinion_submitted(
    conn: AsyncConnection, _envelope: Envelope, event: CourtOpinionSubmitted
) -> None:
    await conn.execute(
        update(court_opinions_view)
        .where(court_opinions_view.c.request_id == event.request_id)
        .values(submitted_on=event.submitted_on)
    )


async def _case_transferred(
    conn: AsyncConnection, envelope: Envelope, event: CaseTransferred
) -> None:
    await _case(
        conn,
        envelope,
        status=event.status.value,
        assistant_id=None,
        district=event.to_district,
        next_assessment_due=None,
    )
    await conn.execute(
        update(court_opinions_view)
        .where(court_opinions_view.c.case_id == envelope.aggregate_id)
        .values(district=event.to_district)
    )


def _on(event_type: type[DomainEvent], apply: Callable[..., Awaitable[None]]) -> tuple[str, Apply]:
    return event_type.event_type, apply


APPLY: dict[str, Apply] = dict(
    [
        _on(AssistantRegistered, _assistant_registered),
        _on(
            AssistantEmploymentChanged,
            lambda c, e, ev: _assistant(c, e, employment_form=ev.employment_form.value),
        ),
        _on(
            AssistantDeactivated,
            lambda c, e, ev: _assistant(c, e, active=False, ended_on=ev.ended_on),
        ),
        _on(AssistantReactivated, lambda c, e, _ev: _assistant(c, e, active=True, ended_on=None)),
        _on(CaseloadOpened, _caseload_opened),
        _on(CaseloadSuspended, lambda c, e, _ev: _caseload(c, e, working=False)),
        _on(CaseloadResumed, lambda c, e, _ev: _caseload(c, e, working=True)),
        _on(CaseAddedToCaseload, _case_added_to_caseload),
        _on(CaseRemovedFromCaseload, _case_removed_from_caseload),
        _on(FamilyReferred, _family_referred),
        _on(
            AssistanceGranted,
            lambda c, e, ev: _referral(c, e, status="granted", decided_on=ev.decided_on),
        ),
        _on(
            ReferralDeclined,
            lambda c, e, ev: _referral(c, e, status="declined", decided_on=ev.decided_on),
        ),
        _on(ReferralLinked, lambda c, e, _ev: _referral(c, e, status="linked")),
        _on(CaseOpened, _case_opened),
        _on(
            AssistantAssigned,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=ev.assistant_id,
                assigned_on=func.coalesce(cases_view.c.assigned_on, ev.assigned_on),
            ),
        ),
        _on(
            WorkStarted,
            lambda c, e, ev: _case(
                c,
                e,
                work_started_on=func.coalesce(cases_view.c.work_started_on, ev.started_on),
                next_assessment_due=ev.next_assessment_due,
            ),
        ),
        _on(
            FamilySituationAssessed,
            lambda c, e, ev: _case(c, e, next_assessment_due=ev.next_assessment_due),
        ),
        _on(VisitLogged, _visit_logged),
        _on(PlanUpdated, lambda c, e, ev: _case(c, e, plan_version=ev.plan_version)),
        _on(CourtOpinionRequested, _court_opinion_requested),
        _on(CourtOpinionSubmitted, _court_opinion_submitted),
        _on(
            CaseClosed,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=None,
                closed_on=ev.closed_on,
                closure_reason=ev.reason.value,
                children_placed=ev.children_placed_in_foster_care,
                monitoring_until=ev.monitoring_until,
                next_assessment_due=None,
            ),
        ),
        _on(
            CaseReopened,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=None,
                closed_on=None,
                closure_reason=None,
                children_placed=0,
                monitoring_until=None,
            ),
        ),
        _on(MonitoringEnded, lambda c, e, ev: _case(c, e, status=ev.status.value)),
        _on(CaseTransferred, _case_transferred),
        _on(TransferAccepted, lambda c, e, ev: _case(c, e, status=ev.status.value)),
        _on(
            TransferDeclined,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                closed_on=ev.decided_on,
                closure_reason=ClosureReason.MOVED_AWAY.value,
            ),
        ),
    ]
)


# Reminders' columns ---------------------------------------------------------------------
# Applied after the entries above for the same event (chained, not edited into them), so the
# reports' projection and the reminders' additions change independently.

MEMBER_ROLES_FIRST = ("parent", "guardian", "pregnant_woman", "other", "child")


def family_initials(members: Iterable[FamilyMember]) -> str | None:
    """ "J.K.": the first adult's initials, the only trace of a family a task list or an
    e-mail digest shows; None once the family's data is erased."""
    ranked = sorted(members, key=lambda m: MEMBER_ROLES_FIRST.index(m.role.value))
    for member in ranked:
        if member.first_name == ERASED_MARK or member.last_name == ERASED_MARK:
            return None
        first, last = member.first_name.strip(), member.last_name.strip()
        if first and last:
            return f"{first[0].upper()}.{last[0].upper()}."
    return None


async def _initials_of_case(conn: AsyncConnection, envelope: Envelope, event: CaseOpened) -> None:
    await _case(
        conn,
        envelope,
        family_initials=family_initials(event.members),
        consent_on=None,
        assistant_since=None,
    )


async def _initials_of_referral(
    conn: AsyncConnection, envelope: Envelope, event: FamilyReferred
) -> None:
    await _referral(conn, envelope, family_initials=family_initials(event.members))


async def _family_erased(conn: AsyncConnection, envelope: Envelope, _event: Any) -> None:
    family = envelope.family_id
    if family is None:
        return
    await conn.execute(
        update(cases_view).where(cases_view.c.family_id == family).values(family_initials=None)
    )
    await conn.execute(
        update(referrals_view)
        .where(referrals_view.c.family_id == family)
        .values(family_initials=None)
    )


async def _assistant_email(
    conn: AsyncConnection, envelope: Envelope, event: AssistantRegistered | AssistantEmailChanged
) -> None:
    # Where the assistant's digest goes: the directory's address (None: none, the settings'
    # REPORTING_ASSISTANT_EMAILS may still name one).
    await _assistant(conn, envelope, email=event.email)


def _chain(first: Apply | None, then: Apply) -> Apply:
    async def both(conn: AsyncConnection, envelope: Envelope, event: Any) -> None:
        if first is not None:
            await first(conn, envelope, event)
        await then(conn, envelope, event)

    return both


async def _consent_recorded(
    conn: AsyncConnection, envelope: Envelope, event: FamilyConsentRecorded
) -> None:
    # A second consent (signed on paper, recorded offline) may arrive later: the earliest counts.
    current = cases_view.c.consent_on
    earliest = case((current.is_(None) | (current > event.given_on), event.given_on), else_=current)
    await _case(conn, envelope, consent_on=earliest)


REMINDERS: list[tuple[str, Apply]] = [
    _on(CaseOpened, _initials_of_case),
    _on(FamilyReferred, _initials_of_referral),
    _on(
        AssistantAssigned,
        lambda c, e, ev: _case(c, e, assistant_since=ev.assigned_on),
    ),
    _on(FamilyConsentRecorded, _consent_recorded),
    _on(FamilyDataErased, _family_erased),
    _on(AssistantRegistered, _assistant_email),
    _on(AssistantEmailChanged, _assistant_email),
    _on(AssistantRegistered, lambda c, e, _ev: project_login(c, assistant_logins, e)),
    _on(AssistantLoginChanged, lambda c, e, _ev: project_login(c, assistant_logins, e)),
]
for _type, _apply in REMINDERS:
    APPLY[_type] = _chain(APPLY.get(_type), _apply)


async def project(conn: AsyncConnection, envelope: Envelope) -> None:
    apply = APPLY.get(envelope.event_type)
    if apply is not None:
        await apply(conn, envelope, envelope.event())
