"""What people read in casework: the case file, lists and deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from services.casework.adapters.tables import caseloads, cases, court_opinions
from services.casework.domain.case import CASE
from shared.domain.dates import add_months
from shared.domain.errors import NotFound
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    DomainEvent,
    Envelope,
    FamilyConsentRecorded,
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanUpdated,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    stream_id,
)
from shared.events.casework import CaseStatus
from shared.eventstore.tables import family_keys
from shared.runtime.service import ServiceRuntime


def _entry(envelope: Envelope, **fields: Any) -> dict[str, Any]:
    return {**fields, "recorded_by": envelope.actor, "recorded_at": envelope.recorded_at}


# Where an event shows in the case file: the list it is appended to, and whether its entry
# names its type (a list that mixes event types). WorkStarted shows through the state.
_LISTED: dict[type[DomainEvent], tuple[str, bool]] = {
    AssistantAssigned: ("assignments", False),
    VisitLogged: ("visits", False),
    PlanUpdated: ("plan_history", False),
    FamilySituationAssessed: ("assessments", False),
    FurtherReferralReceived: ("further_referrals", False),
    CaseClosed: ("closures", True),
    CaseReopened: ("closures", True),
    MonitoringEnded: ("closures", True),
    CaseTransferred: ("transfers", True),
    TransferAccepted: ("transfers", True),
    TransferDeclined: ("transfers", True),
}


def _history(envelopes: list[Envelope], today: date) -> dict[str, Any]:
    """The case file's sections, from the case's events in order."""
    file: dict[str, Any] = {"members": [], "consent": None}
    file.update({section: [] for section, _ in _LISTED.values()})
    opinions: dict[UUID, dict[str, Any]] = {}
    for envelope in envelopes:
        event = envelope.event()
        listed = _LISTED.get(type(event))
        if listed is not None:
            section, tagged = listed
            tag = {"event": event.event_type} if tagged else {}
            file[section].append(_entry(envelope, **tag, **event.model_dump()))
        elif isinstance(event, CaseOpened):
            file["members"] = [m.model_dump() for m in event.members]
        elif isinstance(event, FamilyConsentRecorded):
            file["consent"] = _entry(envelope, **event.model_dump())
        elif isinstance(event, CourtOpinionRequested):
            opinions[event.request_id] = _entry(
                envelope,
                **event.model_dump(),
                submitted_on=None,
                opinion=None,
                overdue=event.deadline < today,
            )
        elif isinstance(event, CourtOpinionSubmitted) and event.request_id in opinions:
            opinions[event.request_id].update(
                submitted_on=event.submitted_on, opinion=event.summary, overdue=False
            )
    file["court_opinions"] = list(opinions.values())
    return file


class CaseworkQueries:
    """What people read in casework, from its read models and its event store."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    async def case_file(self, case_id: UUID, *, only_district: str | None = None) -> dict[str, Any]:
        """Everything recorded on the case. With `only_district`, only what was recorded while the
        case was with that district's centre (a centre the family moved away from)."""
        runtime = self.runtime
        async with runtime.engine.connect() as conn:
            envelopes = await runtime.store.read_stream(conn, stream_id(CASE.name, case_id))
        state = CASE.fold(e.event() for e in envelopes)
        if not state.exists:
            raise NotFound(entity="case", id=case_id)
        version = envelopes[-1].aggregate_version
        if only_district is not None:
            envelopes = [e for e in envelopes if e.district == only_district]
        today = runtime.clock.today()
        file = _history(envelopes, today)
        return {
            "case_id": case_id,
            "referral_id": state.referral_id,
            "family_id": state.family_id,
            "district": state.district,
            "districts": list(state.districts),
            "source": state.source,
            "obligatory": state.obligatory,
            "status": state.status,
            "opened_on": state.opened_on,
            "assistant_id": state.assistant_id,
            "consent_on": state.consent_on,
            "work_started_on": state.work_started_on,
            "next_assessment_due": state.next_assessment_due,
            "assessment_overdue": state.assessment_overdue(today),
            "closed_on": state.closed_on,
            "closure_reason": state.closure_reason,
            "monitoring_until": state.monitoring_until,
            "plan": file["plan_history"][-1] if file["plan_history"] else None,
            **file,
            "version": version,
        }

    async def list_cases(
        self,
        *,
        district: str | None = None,
        districts: frozenset[str] | None = None,
        referral_id: UUID | None = None,
        assistant_id: UUID | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        runtime = self.runtime
        query = select(cases)
        if district:
            query = query.where(cases.c.district == district)
        if districts is not None:
            query = query.where(cases.c.district.in_(districts))
        if referral_id:
            query = query.where(cases.c.referral_id == referral_id)
        if assistant_id:
            query = query.where(cases.c.assistant_id == assistant_id)
        if status:
            query = query.where(cases.c.status == status)
        today = runtime.clock.today()
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(query.order_by(cases.c.opened_on, cases.c.case_id))
            return [
                {
                    **row._mapping,
                    "days_waiting": (today - row.opened_on).days
                    if row.status == CaseStatus.WAITING.value
                    else None,
                }
                for row in rows
            ]

    async def overdue_assessments(self, *, district: str) -> list[dict[str, Any]]:
        runtime = self.runtime
        today = runtime.clock.today()
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(cases.c.case_id, cases.c.assistant_id, cases.c.next_assessment_due)
                .where(
                    cases.c.district == district,
                    cases.c.status == CaseStatus.ACTIVE.value,
                    cases.c.next_assessment_due < today,
                )
                .order_by(cases.c.next_assessment_due)
            )
            return [
                {**row._mapping, "days_overdue": (today - row.next_assessment_due).days}
                for row in rows
            ]

    async def court_opinion_list(
        self, *, district: str, overdue_only: bool, assistant_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        runtime = self.runtime
        today = runtime.clock.today()
        query = select(court_opinions).where(
            court_opinions.c.district == district, court_opinions.c.submitted_on.is_(None)
        )
        if assistant_id is not None:
            query = query.where(
                court_opinions.c.case_id.in_(
                    select(cases.c.case_id).where(cases.c.assistant_id == assistant_id)
                )
            )
        if overdue_only:
            query = query.where(court_opinions.c.deadline < today)
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(query.order_by(court_opinions.c.deadline))
            return [
                {
                    **row._mapping,
                    "days_left": (row.deadline - today).days,
                    "overdue": row.deadline < today,
                }
                for row in rows
            ]

    async def expired_monitoring(self, *, today: date) -> list[UUID]:
        runtime = self.runtime
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(cases.c.case_id).where(
                    cases.c.status == CaseStatus.MONITORING.value, cases.c.monitoring_until < today
                )
            )
            return [row.case_id for row in rows]

    async def capacity(self, *, district: str) -> list[dict[str, Any]]:
        """Free places of each assistant of the district, for the head choosing one."""
        runtime = self.runtime
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(caseloads)
                .where(caseloads.c.district == district)
                .order_by(caseloads.c.active_families)
            )
            return [
                {
                    "assistant_id": row.assistant_id,
                    "active_families": row.active_families,
                    "limit": row.family_limit,
                    "free_places": max(row.family_limit - row.active_families, 0)
                    if row.active is not False
                    else 0,
                    "working": row.active is not False,
                }
                for row in rows
            ]

    async def retention_list(
        self, *, older_than_years: int, districts: frozenset[str] | None
    ) -> list[dict[str, Any]]:
        """Families whose work ended more than `older_than_years` ago and whose personal data is
        still kept: for the controller to review and erase."""
        runtime = self.runtime
        cutoff = add_months(runtime.clock.today(), -12 * older_than_years)
        kept = select(family_keys.c.family_id).where(family_keys.c.wrapped_key.is_not(None))
        query = (
            select(
                cases.c.family_id,
                cases.c.district,
                func.max(cases.c.closed_on).label("last_closed_on"),
                func.count().label("cases"),
            )
            .where(
                cases.c.status == CaseStatus.CLOSED.value,
                cases.c.closed_on < cutoff,
                cases.c.family_id.in_(kept),
            )
            .group_by(cases.c.family_id, cases.c.district)
            .order_by(func.max(cases.c.closed_on))
        )
        if districts is not None:
            query = query.where(cases.c.district.in_(districts))
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(query)
            return [dict(row._mapping) for row in rows]
