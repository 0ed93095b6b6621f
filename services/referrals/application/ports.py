"""What the referrals handlers need besides aggregates, as ports: the index of known families
(by PESEL), the record of inbound notifications, and the destruction of a family's data. Each
has an SQL adapter (services.referrals.adapters) and an in-memory fake for the unit tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.referrals.domain.referral import ExistingMatch
from shared.events import FamilyMember
from shared.eventstore.unit_of_work import UnitOfWork


class FamilyIndex(Protocol):
    """Which families are known, by their members' PESEL numbers: open referrals (this
    service's own) and cases (followed from casework's events)."""

    async def find(self, members: Iterable[FamilyMember]) -> ExistingMatch | None:
        """An open referral of the family, else its active case, else None."""
        ...

    async def active_case(self, members: Iterable[FamilyMember]) -> ExistingMatch | None: ...

    async def known_family(self, members: Iterable[FamilyMember]) -> UUID | None:
        """The family id of a family whose case ended (a re-referral keeps the identity, so
        the outcome statistics can count re-referrals)."""
        ...

    async def hold(
        self, members: Iterable[FamilyMember], referral_id: UUID, family_id: UUID
    ) -> None:
        """Mark the family as having an open referral. A concurrent referral of the same
        family makes this raise ConcurrencyConflict: run again, it is then linked."""
        ...

    async def release(self, referral_id: UUID) -> None: ...

    async def last_district(self, family_id: UUID) -> str | None:
        """The district of the family's latest referral (None if this service never saw it)."""
        ...

    async def case_opened(
        self, case_id: UUID, family_id: UUID, district: str, members: Iterable[FamilyMember]
    ) -> None: ...

    async def case_active(self, case_id: UUID, active: bool) -> None: ...

    async def case_moved(self, case_id: UUID, district: str) -> None: ...


@dataclass(frozen=True)
class NotificationRecord:
    """An inbound notification as received, with the answer given to its sender."""

    sender_key: str
    notification_id: UUID
    sender: str
    sender_subject: str
    district: str
    kind: str
    body_digest: str
    status_code: int
    response: dict[str, Any]
    received_at: datetime
    referral_id: UUID | None = None
    case_id: UUID | None = None


class NotificationLog(Protocol):
    async def find(self, sender_key: str) -> NotificationRecord | None: ...

    async def record(self, notification: NotificationRecord) -> None:
        """Keep the notification. A concurrent copy of it makes this raise
        ConcurrencyConflict: run again, the copy then finds the first one's answer."""
        ...


class FamilyData(Protocol):
    async def destroy(self, family_id: UUID, at: datetime) -> None:
        """Destroy the family's key, its PESEL digests and the answers remembered for
        idempotency keys (they may hold its data)."""
        ...


class ReferralsUnitOfWork(UnitOfWork, Protocol):
    """The unit of work of the referrals handlers: aggregates, and the ports above in the
    same transaction."""

    @property
    def families(self) -> FamilyIndex: ...

    @property
    def notifications(self) -> NotificationLog: ...

    @property
    def family_data(self) -> FamilyData: ...
