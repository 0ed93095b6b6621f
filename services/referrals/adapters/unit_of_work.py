"""The referrals service's unit of work on its database: the kernel's, plus the family index,
the notification log and the family's data over the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from services.referrals.adapters.family_index import (
    PeselDigests,
    SqlFamilyData,
    SqlFamilyIndex,
    SqlNotificationLog,
)
from services.referrals.adapters.projection import ReferralIndex
from services.referrals.domain.referral import REFERRAL
from shared.eventstore import EventMetadata, EventStore
from shared.eventstore.crypto import Keyring
from shared.eventstore.unit_of_work import SqlUnitOfWork


class SqlReferralsUnitOfWork(SqlUnitOfWork):
    def __init__(
        self,
        engine: AsyncEngine,
        store: EventStore,
        metadata: EventMetadata,
        *,
        digests: PeselDigests,
        keyring: Keyring,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(
            engine,
            store,
            metadata,
            projections={REFERRAL.name: [ReferralIndex(keyring, digests.key)]},
            on_commit=on_commit,
        )
        self._digests = digests
        self._keyring = keyring

    @property
    def families(self) -> SqlFamilyIndex:
        return SqlFamilyIndex(self.connection, self._digests)

    @property
    def notifications(self) -> SqlNotificationLog:
        return SqlNotificationLog(self.connection)

    @property
    def family_data(self) -> SqlFamilyData:
        return SqlFamilyData(self.connection, self._keyring)


@dataclass
class ReferralsUnitOfWorkFactory:
    """Builds the unit of work for one command's metadata (what the CommandRunner takes)."""

    engine: AsyncEngine
    store: EventStore
    digests: PeselDigests
    on_commit: Callable[[], None] | None = None

    def __call__(self, metadata: EventMetadata) -> SqlReferralsUnitOfWork:
        keyring = self.store.keyring
        if keyring is None:
            raise RuntimeError("the referrals service stores personal data: it needs a keyring")
        return SqlReferralsUnitOfWork(
            self.engine,
            self.store,
            metadata,
            digests=self.digests,
            keyring=keyring,
            on_commit=self.on_commit,
        )
