"""What people read in casework: the case file, lists and deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select

from services.casework.adapters.tables import case_visits, caseloads, cases, court_opinions
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
    FamilyMember,
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanNoteAdded,
    PlanUpdated,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    stream_id,
)
from shared.events.casework import CaseStatus
from shared.events.family import family_card
from shared.eventstore.family_columns import open_card, search_patterns
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
    PlanNoteAdded: ("plan_notes", False),
    FamilySituationAssessed: ("assessments", False),
    FurtherReferralReceived: ("further_referrals", False),
    CaseClosed: ("closures", True),
    CaseReopened: ("closures", True),
    MonitoringEnded: ("closures", True),
    CaseTransferred: ("transfers", True),
    TransferAccepted: ("transfers", True),
    TransferDeclined: ("transfers", True),
}


NOT_SEEN_DAYS = 7
"""An active family not visited for this many days is flagged (seen less than once a week)."""


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _flags(row: Any, today: date) -> dict[str, Any]:
    """What a list flags about a case, from its row; the dates stay dates (UTC days)."""
    active = row.status == CaseStatus.ACTIVE.value
    seen = row.last_visit_on or row.work_started_on or row.opened_on
    deadline = row.next_court_deadline
    return {
        "assessment_overdue": active
        and row.next_assessment_due is not None
        and row.next_assessment_due < today,
        "court_opinion_due": deadline is not None,
        "court_opinion_overdue": deadline is not None and deadline < today,
        "not_seen_for_7_days": active and (today - seen).days >= NOT_SEEN_DAYS,
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
            # A second consent (signed on paper, recorded on a device) is kept in the stream;
            # the file shows the earliest, which the case counts from.
            if file["consent"] is None or event.given_on < file["consent"]["given_on"]:
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
        async with runtime.reads.connect() as conn:
            envelopes = await runtime.store.read_stream(conn, stream_id(CASE.name, case_id))
        state = CASE.fold(e.event() for e in envelopes)
        if not state.exists:
            raise NotFound(entity="case", id=case_id)
        version = envelopes[-1].aggregate_version
        if only_district is not None:
            envelopes = [e for e in envelopes if e.district == only_district]
        today = runtime.clock.today()
        file = _history(envelopes, today)
        members = tuple(FamilyMember.model_validate(m) for m in file["members"])
        card = family_card(members) if members else {"family_name": "", "display_name": ""}
        return {
            "case_id": case_id,
            "family_name": card["family_name"],
            "display_name": card["display_name"],
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
        surname: str | None = None,
        pesel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Cases with the family's name, children, contact details, the assistant's name,
        visits and flags. `surname` (folded prefixes) and `pesel` match through keyed digests:
        the names themselves are encrypted per family and decrypted only here."""
        runtime = self.runtime
        today = runtime.clock.today()
        visits_this_week = (
            select(func.count())
            .where(
                case_visits.c.case_id == cases.c.case_id,
                case_visits.c.visited_on >= _week_start(today),
            )
            .scalar_subquery()
        )
        next_court_deadline = (
            select(func.min(court_opinions.c.deadline))
            .where(
                court_opinions.c.case_id == cases.c.case_id,
                court_opinions.c.submitted_on.is_(None),
            )
            .scalar_subquery()
        )
        query = select(
            cases,
            caseloads.c.assistant_name,
            visits_this_week.label("visits_this_week"),
            next_court_deadline.label("next_court_deadline"),
        ).outerjoin(caseloads, caseloads.c.assistant_id == cases.c.assistant_id)
        for condition in self._search(surname, pesel):
            query = query.where(condition)
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
        async with runtime.reads.connect() as conn:
            rows = list(await conn.execute(query.order_by(cases.c.opened_on, cases.c.case_id)))
            keyring = runtime.store.keyring
            keys = await keyring.keys(conn, {r.family_id for r in rows}) if keyring else {}
        return [
            {
                **row._mapping,
                **self._card(row, keys.get(row.family_id)),
                **_flags(row, today),
                "days_waiting": (today - row.opened_on).days
                if row.status == CaseStatus.WAITING.value
                else None,
            }
            for row in rows
        ]

    def _search(self, surname: str | None, pesel: str | None) -> list[ColumnElement[bool]]:
        """Conditions on the digest columns: every word of `surname` begins a surname of the
        family; `pesel` is one of its members'."""
        names, pesels = search_patterns(
            self.runtime.settings.lookup_key(), surname=surname, pesel=pesel
        )
        found: list[ColumnElement[bool]] = [cases.c.surname_digests.like(p) for p in names]
        found += [cases.c.pesel_digests.like(p) for p in pesels]
        return found

    @staticmethod
    def _card(row: Any, key: bytes | None) -> dict[str, Any]:
        """The family's name and contact details, decrypted; "[usunięto]" once erased."""
        return open_card(key, row.family_id, row.family)

    async def _named(self, rows: list[Any]) -> list[dict[str, Any]]:
        """Rows that carry `family_id` and `family` with the family's name decrypted."""
        keyring = self.runtime.store.keyring
        if rows and keyring is not None:
            async with self.runtime.reads.connect() as conn:
                keys = await keyring.keys(conn, {r.family_id for r in rows})
        else:
            keys = {}
        return [{**row._mapping, **self._card(row, keys.get(row.family_id))} for row in rows]

    async def overdue_assessments(self, *, district: str) -> list[dict[str, Any]]:
        runtime = self.runtime
        today = runtime.clock.today()
        async with runtime.reads.connect() as conn:
            rows = await conn.execute(
                select(
                    cases.c.case_id,
                    cases.c.family_id,
                    cases.c.family,
                    cases.c.assistant_id,
                    caseloads.c.assistant_name,
                    cases.c.next_assessment_due,
                )
                .outerjoin(caseloads, caseloads.c.assistant_id == cases.c.assistant_id)
                .where(
                    cases.c.district == district,
                    cases.c.status == CaseStatus.ACTIVE.value,
                    cases.c.next_assessment_due < today,
                )
                .order_by(cases.c.next_assessment_due)
            )
            found = list(rows)
        return [
            {**row, "days_overdue": (today - row["next_assessment_due"]).days}
            for row in await self._named(found)
        ]

    async def court_opinion_list(
        self, *, district: str, overdue_only: bool, assistant_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        runtime = self.runtime
        today = runtime.clock.today()
        query = (
            select(court_opinions, cases.c.family_id, cases.c.family)
            .join(cases, cases.c.case_id == court_opinions.c.case_id)
            .where(court_opinions.c.district == district, court_opinions.c.submitted_on.is_(None))
        )
        if assistant_id is not None:
            query = query.where(cases.c.assistant_id == assistant_id)
        if overdue_only:
            query = query.where(court_opinions.c.deadline < today)
        async with runtime.reads.connect() as conn:
            found = list(await conn.execute(query.order_by(court_opinions.c.deadline)))
        return [
            {
                **row,
                "days_left": (row["deadline"] - today).days,
                "overdue": row["deadline"] < today,
            }
            for row in await self._named(found)
        ]

    async def expired_monitoring(self, *, today: date) -> list[UUID]:
        runtime = self.runtime
        async with runtime.reads.connect() as conn:
            rows = await conn.execute(
                select(cases.c.case_id).where(
                    cases.c.status == CaseStatus.MONITORING.value, cases.c.monitoring_until < today
                )
            )
            return [row.case_id for row in rows]

    async def capacity(self, *, district: str) -> list[dict[str, Any]]:
        """Free places of each assistant of the district, for the head choosing one."""
        runtime = self.runtime
        async with runtime.reads.connect() as conn:
            rows = await conn.execute(
                select(caseloads)
                .where(caseloads.c.district == district)
                .order_by(caseloads.c.active_families)
            )
            return [
                {
                    "assistant_id": row.assistant_id,
                    "assistant_name": row.assistant_name,
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
        async with runtime.reads.connect() as conn:
            rows = await conn.execute(query)
            return [dict(row._mapping) for row in rows]
