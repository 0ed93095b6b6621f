"""In-memory fakes of the referrals ports, for handler and reaction tests without a database.
They keep what a test gave them across units of work (like the tables they stand for); unlike
a transaction they do not roll back, so a test of a refusal checks the events, not them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self
from uuid import UUID

from services.referrals.application.ports import NotificationRecord
from services.referrals.domain.referral import ExistingMatch
from shared.events import FamilyMember
from shared.eventstore import ConcurrencyConflict, EventMetadata
from shared.testing import FakeUnitOfWork, InMemoryEventLog


@dataclass
class CaseRow:
    family_id: UUID
    district: str
    active: bool
    pesels: set[str]


@dataclass
class InMemoryFamilyIndex:
    """The family index by PESEL in clear (the SQL adapter keeps keyed digests)."""

    open_referrals: dict[str, tuple[UUID, UUID]] = field(default_factory=dict)
    cases: dict[UUID, CaseRow] = field(default_factory=dict)
    districts: dict[UUID, str] = field(default_factory=dict)

    @staticmethod
    def _pesels(members: Iterable[FamilyMember]) -> set[str]:
        return {m.pesel for m in members if m.pesel}

    async def find(self, members: Iterable[FamilyMember]) -> ExistingMatch | None:
        pesels = self._pesels(members)
        for pesel in sorted(pesels):
            if pesel in self.open_referrals:
                referral_id, family_id = self.open_referrals[pesel]
                return ExistingMatch(referral_id=referral_id, family_id=family_id)
        return self._case(pesels, active_only=True)

    async def active_case(self, members: Iterable[FamilyMember]) -> ExistingMatch | None:
        return self._case(self._pesels(members), active_only=True)

    async def known_family(self, members: Iterable[FamilyMember]) -> UUID | None:
        found = self._case(self._pesels(members), active_only=False)
        return found.family_id if found else None

    def _case(self, pesels: set[str], *, active_only: bool) -> ExistingMatch | None:
        for case_id, row in self.cases.items():
            if row.pesels & pesels and (row.active or not active_only):
                return ExistingMatch(case_id=case_id, family_id=row.family_id)
        return None

    async def hold(
        self, members: Iterable[FamilyMember], referral_id: UUID, family_id: UUID
    ) -> None:
        pesels = self._pesels(members)
        if pesels & set(self.open_referrals):
            raise ConcurrencyConflict(f"family-index:{referral_id}", 0, None)
        for pesel in pesels:
            self.open_referrals[pesel] = (referral_id, family_id)

    async def release(self, referral_id: UUID) -> None:
        self.open_referrals = {
            p: held for p, held in self.open_referrals.items() if held[0] != referral_id
        }

    async def last_district(self, family_id: UUID) -> str | None:
        return self.districts.get(family_id)

    async def case_opened(
        self, case_id: UUID, family_id: UUID, district: str, members: Iterable[FamilyMember]
    ) -> None:
        self.cases.setdefault(case_id, CaseRow(family_id, district, True, self._pesels(members)))

    async def case_active(self, case_id: UUID, active: bool) -> None:
        if case_id in self.cases:
            self.cases[case_id].active = active

    async def case_moved(self, case_id: UUID, district: str) -> None:
        if case_id in self.cases:
            self.cases[case_id].district = district


@dataclass
class InMemoryNotificationLog:
    records: dict[str, NotificationRecord] = field(default_factory=dict)

    async def find(self, sender_key: str) -> NotificationRecord | None:
        return self.records.get(sender_key)

    async def record(self, notification: NotificationRecord) -> None:
        if notification.sender_key in self.records:
            raise ConcurrencyConflict(f"notification:{notification.sender_key}", 0, None)
        self.records[notification.sender_key] = notification


@dataclass
class InMemoryFamilyData:
    destroyed: list[tuple[UUID, datetime]] = field(default_factory=list)

    async def destroy(self, family_id: UUID, at: datetime) -> None:
        self.destroyed.append((family_id, at))


class FakeReferralsUnitOfWork(FakeUnitOfWork):
    def __init__(
        self,
        log: InMemoryEventLog | None = None,
        metadata: EventMetadata | None = None,
        *,
        families: InMemoryFamilyIndex | None = None,
        notifications: InMemoryNotificationLog | None = None,
        family_data: InMemoryFamilyData | None = None,
    ) -> None:
        super().__init__(log, metadata)
        self.families = families or InMemoryFamilyIndex()
        self.notifications = notifications or InMemoryNotificationLog()
        self.family_data = family_data or InMemoryFamilyData()

    def __call__(self, metadata: EventMetadata) -> Self:
        return type(self)(
            self.log,
            metadata,
            families=self.families,
            notifications=self.notifications,
            family_data=self.family_data,
        )
