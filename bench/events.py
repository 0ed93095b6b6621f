"""A realistic mix of the events reporting projects, as envelopes ready for the bus.

Families move through the whole flow (referred, granted, case opened, assistant assigned,
visits, plan updates) while many other families are in flight, so consecutive events mostly
belong to different aggregates, as on the real streams. Every aggregate's versions run 1..n
without gaps; PESELs are valid (the event contracts check them). Seeded: every run publishes
the same mix.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from shared.domain.districts import WARSAW_DISTRICTS
from shared.events import (
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseOpened,
    DomainEvent,
    Envelope,
    FamilyMember,
    FamilyReferred,
    PlanAction,
    PlanUpdated,
    ReferralSource,
    VisitLogged,
    VisitPlace,
    VisitTopic,
)
from suite.demo_data import pesel

DISTRICTS = sorted(WARSAW_DISTRICTS)
SURNAMES = ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Piotrowski", "Zając", "Król")
GIVEN = ("Anna", "Katarzyna", "Marek", "Joanna", "Adam", "Beata", "Kacper", "Zuzanna", "Lena")
CASES_PER_ASSISTANT = 15  # the caseload limit: one assistant registered per 15 cases
FAMILIES_IN_FLIGHT = 200  # how many families' streams interleave at any moment
START = date(2026, 1, 5)


@dataclass(frozen=True)
class EventMix:
    envelopes: list[Envelope]

    @property
    def by_type(self) -> Counter[str]:
        return Counter(e.event_type for e in self.envelopes)

    @property
    def aggregates(self) -> int:
        return len({e.stream_id for e in self.envelopes})


class _Family:
    """One family: its referral's events, then its case's, in the order they happen."""

    def __init__(self, rng: random.Random, serial: int, assistant: _Assistant) -> None:
        self.rng = rng
        self.serial = serial
        self.assistant = assistant
        self.district = assistant.district
        self.family_id = _uuid(rng)
        self.referral_id = _uuid(rng)
        self.case_id = _uuid(rng)
        self.day = START + timedelta(days=rng.randrange(60))
        self.members = _members(rng, serial)
        self.correlation_id = _uuid(rng).hex

    def events(self) -> list[tuple[str, UUID, DomainEvent]]:
        rng = self.rng
        source = rng.choice(list(ReferralSource))
        referral: list[DomainEvent] = [
            FamilyReferred(
                family_id=self.family_id,
                district=self.district,
                source=source,
                sender_reference=f"OPS/WS/2026/{self.serial}",
                referred_on=self.day,
                members=self.members,
                reason="Wywiad środowiskowy: trudności opiekuńczo-wychowawcze w rodzinie.",
            ),
            AssistanceGranted(
                family_id=self.family_id,
                source=source,
                obligatory=source.is_obligatory,
                decided_on=self.day + timedelta(days=7),
                members=self.members,
            ),
        ]
        case: list[DomainEvent] = [
            CaseOpened(
                referral_id=self.referral_id,
                family_id=self.family_id,
                district=self.district,
                source=source,
                obligatory=source.is_obligatory,
                opened_on=self.day + timedelta(days=7),
                members=self.members,
            ),
            AssistantAssigned(
                family_id=self.family_id,
                assistant_id=self.assistant.id,
                assigned_on=self.day + timedelta(days=9),
            ),
            *self._work(),
        ]
        return [("referral", self.referral_id, e) for e in referral] + [
            ("case", self.case_id, e) for e in case
        ]

    def _work(self) -> list[DomainEvent]:
        """Weekly visits, with the work plan revised now and then."""
        rng = self.rng
        work: list[DomainEvent] = []
        plan_version = 0
        for week in range(rng.randint(4, 12)):
            day = self.day + timedelta(days=14 + 7 * week)
            if week % 4 == 0:
                plan_version += 1
                work.append(_plan(plan_version, day))
            work.append(_visit(rng, self.assistant.id, day))
        return work


@dataclass
class _Assistant:
    id: UUID
    district: str
    registered: bool = False

    def event(self, rng: random.Random) -> AssistantRegistered:
        return AssistantRegistered(
            first_name=rng.choice(GIVEN),
            last_name=rng.choice(SURNAMES),
            district=self.district,
            employment_form=rng.choice(["employment_contract", "civil_law_contract"]),
            works_since=START - timedelta(days=rng.randrange(2000)),
        )


def _uuid(rng: random.Random) -> UUID:
    """A random UUID from the seeded generator, so every run publishes the same ids' shape."""
    return UUID(int=rng.getrandbits(128), version=4)


def _members(rng: random.Random, serial: int) -> tuple[FamilyMember, ...]:
    surname = rng.choice(SURNAMES)
    parent_birth = date(1975 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
    members = [
        FamilyMember(
            role="parent",
            first_name=rng.choice(GIVEN),
            last_name=surname,
            pesel=pesel(parent_birth, serial, female=rng.random() < 0.7),
        )
    ]
    for i in range(1, rng.randint(1, 3) + 1):
        born = date(2008 + rng.randrange(17), 1 + rng.randrange(12), 1 + rng.randrange(28))
        members.append(
            FamilyMember(
                role="child",
                first_name=rng.choice(GIVEN),
                last_name=surname,
                pesel=pesel(born, serial + i, female=rng.random() < 0.5),
            )
        )
    return tuple(members)


def _visit(rng: random.Random, assistant_id: UUID, day: date) -> VisitLogged:
    return VisitLogged(
        visit_id=_uuid(rng),
        assistant_id=assistant_id,
        visited_on=day,
        duration_minutes=rng.choice([45, 60, 90, 120]),
        place=rng.choice(list(VisitPlace)),
        present=("matka", "dzieci"),
        topics=tuple(rng.sample(list(VisitTopic), 2)),
        note="Omówiono budżet domowy i plan zajęć dzieci na kolejny tydzień.",
    )


def _plan(version: int, day: date) -> PlanUpdated:
    return PlanUpdated(
        plan_version=version,
        actions=(
            PlanAction(
                description="Ustalenie miesięcznego budżetu domowego.",
                deadline=day + timedelta(days=30),
                expected_effect="Opłacane na bieżąco rachunki za mieszkanie.",
            ),
        ),
        agreed_with_social_worker="pracownik socjalny OPS",
        updated_on=day,
    )


def _envelope(
    aggregate_type: str, aggregate_id: UUID, version: int, event: DomainEvent, family: _Family
) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(
        event_id=_uuid(family.rng),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        # As the stores write them: a referral's and a case's events hold a family's data.
        family_id=family.family_id if aggregate_type != "assistant" else None,
        district=family.district,
        occurred_at=now,
        recorded_at=now,
        actor=f"user:asystent-{family.assistant.id.hex[:8]}",
        correlation_id=family.correlation_id,
        causation_id=_uuid(family.rng).hex,
        payload=event.model_dump(mode="json"),
    )


def _family_queues(rng: random.Random) -> Iterator[deque[Envelope]]:
    """Each family's envelopes in order; an assistant's registration precedes its first case."""
    serial = 0
    assistant = _Assistant(_uuid(rng), rng.choice(DISTRICTS))
    while True:
        if serial and serial % CASES_PER_ASSISTANT == 0:
            assistant = _Assistant(_uuid(rng), rng.choice(DISTRICTS))
        family = _Family(rng, 100 + serial, assistant)
        serial += 1
        queue: deque[Envelope] = deque()
        if not assistant.registered:
            assistant.registered = True
            queue.append(_envelope("assistant", assistant.id, 1, assistant.event(rng), family))
        versions: Counter[UUID] = Counter()
        for aggregate_type, aggregate_id, event in family.events():
            versions[aggregate_id] += 1
            queue.append(
                _envelope(aggregate_type, aggregate_id, versions[aggregate_id], event, family)
            )
        yield queue


def generate(count: int, *, seed: int = 2026) -> EventMix:
    """`count` envelopes: families interleaved at random, each family's events in order."""
    rng = random.Random(seed)
    families = _family_queues(rng)
    in_flight = [next(families) for _ in range(FAMILIES_IN_FLIGHT)]
    envelopes: list[Envelope] = []
    while len(envelopes) < count:
        i = rng.randrange(len(in_flight))
        envelopes.append(in_flight[i].popleft())
        if not in_flight[i]:
            in_flight[i] = next(families)
    # Cutting the merged timeline keeps a prefix of every aggregate: versions stay gapless.
    return EventMix(envelopes)
