"""Every aggregate's state survives a snapshot's encoding unchanged (no database: the codec the
unit of work uses), and the fingerprint tells one state's code from another's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from services.casework.domain.case import CASE, Case
from services.casework.domain.case.state import CourtRequest
from services.casework.domain.caseload import CASELOAD, Caseload
from services.directory.domain.assistant import ASSISTANT, Assistant, EmploymentTerms
from services.directory.domain.institution import INSTITUTION, Institution
from services.referrals.domain.referral import REFERRAL, Referral, ReferralStatus
from shared.domain.aggregate import AggregateType
from shared.events import ClosureReason, FamilyMember, ReferralSource
from shared.events.casework import CaseStatus
from shared.events.directory import (
    EmploymentForm,
    InstitutionCategory,
    InstitutionDetails,
    PostalAddress,
    WorkingTime,
    WorkingTimeSystem,
)
from shared.eventstore.snapshots import (
    SnapshotPolicy,
    SnapshotUnreadable,
    decode_state,
    encode_state,
    fingerprint,
)


def kernel_kind(old: Any) -> AggregateType[Any]:
    """The kernel's AggregateType for an aggregate still on the old module (same evolve)."""
    return AggregateType(
        name=old.name,
        initial=old.initial,
        evolve=old.evolve,
        district=lambda s: getattr(s, "district", "") or "",
        entity=old.name,
    )


MEMBER = FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365")
CHILD = FamilyMember(
    role="child",
    first_name="Ola",
    last_name="Nowak",
    birth_date=date(2015, 3, 1),
    document_number="ABC123456",
)

STATES: list[tuple[AggregateType[Any], Any]] = [
    (CASE, Case()),
    (
        CASE,
        Case(
            exists=True,
            district="1465068",
            family_id=uuid.uuid4(),
            referral_id=uuid.uuid4(),
            source=ReferralSource.COURT_ORDER,
            obligatory=True,
            status=CaseStatus.MONITORING,
            assistant_id=uuid.uuid4(),
            opened_on=date(2025, 1, 10),
            plan_version=3,
            last_visit_on=date(2026, 2, 1),
            consent_on=date(2025, 1, 15),
            work_started_on=date(2025, 1, 15),
            next_assessment_due=date(2026, 7, 15),
            last_assessed_on=date(2026, 1, 15),
            court_requests=(
                CourtRequest(uuid.uuid4(), date(2026, 3, 1)),
                CourtRequest(uuid.uuid4(), date(2026, 1, 1), submitted_on=date(2025, 12, 20)),
            ),
            closed_on=date(2026, 2, 10),
            closure_reason=ClosureReason.GOALS_ACHIEVED,
            monitoring_until=date(2026, 8, 10),
            monitoring_assistant_id=uuid.uuid4(),
            districts=("1465188", "1465068"),
        ),
    ),
    (CASELOAD, Caseload()),
    (
        CASELOAD,
        Caseload(
            exists=True,
            district="1465068",
            limit=15,
            cases=frozenset(uuid.uuid4() for _ in range(12)),
            active=False,
        ),
    ),
    (kernel_kind(REFERRAL), Referral()),
    (
        kernel_kind(REFERRAL),
        Referral(
            exists=True,
            district="1465068",
            family_id=uuid.uuid4(),
            source=ReferralSource.SCHOOL,
            status=ReferralStatus.AWAITING_DECISION,
            members=(MEMBER, CHILD),
            referred_on=date(2026, 1, 5),
            linked_referrals=(uuid.uuid4(),),
        ),
    ),
    (kernel_kind(ASSISTANT), Assistant()),
    (
        kernel_kind(ASSISTANT),
        Assistant(
            registered=True,
            district="1465068",
            terms=EmploymentTerms(
                employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
                working_time=WorkingTime.PART_TIME,
                hours_per_week=20,
                working_time_system=WorkingTimeSystem.TASK_BASED,
                works_until=date(2027, 1, 1),
            ),
            works_since=date(2024, 1, 1),
            working_since=date(2025, 6, 1),
            active=True,
        ),
    ),
    (kernel_kind(INSTITUTION), Institution()),
    (
        kernel_kind(INSTITUTION),
        Institution(
            exists=True,
            details=InstitutionDetails(
                name="Poradnia Psychologiczno-Pedagogiczna nr 9",
                category=InstitutionCategory.DIAGNOSTIC_CENTRE,
                regon="123456785",
                address=PostalAddress(street="ul. Szczęśliwicka 56", postal_code="02-353"),
                district="1465068",
                phone="22 822 39 88",
                email="sekretariat@ppp9.example",
                competence=("diagnoza psychologiczna",),
            ),
            closed_on=date(2026, 1, 31),
        ),
    ),
]


@pytest.mark.parametrize(
    ("kind", "state"), STATES, ids=[f"{k.name}-{i}" for i, (k, _) in enumerate(STATES)]
)
def test_every_aggregate_s_state_round_trips(kind: AggregateType[Any], state: Any) -> None:
    back = decode_state(kind, encode_state(kind, state))
    assert back == state
    assert type(back) is type(state)


def test_a_state_of_another_shape_does_not_decode() -> None:
    with pytest.raises(SnapshotUnreadable):
        decode_state(CASE, b'{"status": "no such status"}')
    with pytest.raises(SnapshotUnreadable):
        decode_state(CASELOAD, b"[1, 2")


def test_the_fingerprint_changes_with_the_state_s_fields_and_its_evolve() -> None:
    @dataclass(frozen=True)
    class Tally:
        n: int = 0

    @dataclass(frozen=True)
    class Tally2:
        n: int = 0
        extra: str = ""

    def evolve(state: Any, _: Any) -> Any:
        return state

    one = AggregateType(name="tally", initial=Tally, evolve=evolve, district=str, entity="x")
    two = replace(one, initial=Tally2)
    assert fingerprint(one) != fingerprint(two)
    assert fingerprint(CASE) != fingerprint(CASELOAD)
    assert fingerprint(CASE) == fingerprint(CASE)


def test_the_policy_writes_when_an_append_crosses_a_multiple() -> None:
    assert SnapshotPolicy(1).due(4, 5)
    assert not SnapshotPolicy(10).due(11, 19)
    assert SnapshotPolicy(10).due(19, 21)
    assert not SnapshotPolicy(0).due(0, 100)
