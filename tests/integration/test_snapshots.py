"""Snapshots in the SQL unit of work, on SQLite and PostgreSQL: a command folds only the events
after the snapshot, a stale snapshot is folded on, and a snapshot that cannot be trusted (bytes
that do not decode, another code's fingerprint, a family's key destroyed) is ignored and the
state rebuilt from the stream."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.casework.domain.case import CASE
from services.referrals.domain.referral import REFERRAL as OLD_REFERRAL
from services.referrals.domain.referral import Referral
from shared.domain.aggregate import AggregateType
from shared.events import FamilyMember, ReferralSource
from shared.events.casework import VisitLogged, VisitPlace, VisitTopic
from shared.events.personal import ERASED
from shared.events.referrals import FamilyInterviewRecorded, FamilyReferred
from shared.eventstore import EventMetadata, EventStore, kernel_metadata
from shared.eventstore.crypto import Keyring
from shared.eventstore.snapshots import SnapshotPolicy
from shared.eventstore.tables import snapshots
from shared.eventstore.unit_of_work import SqlUnitOfWork, UnitOfWorkFactory
from shared.runtime.database import create_engine, create_schema
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database
from tests.unit.casework.given import CLOCK, CONSENT, STARTED, assigned, opened

pytestmark = pytest.mark.integration

META = EventMetadata(actor="assistant:1", correlation_id="c-1")
ASSISTANT = uuid.UUID("00000000-0000-0000-0000-00000000a551")

# The referral is still on the old aggregate module: the same evolve, the kernel's shape.
REFERRAL = AggregateType[Referral](
    name="referral",
    initial=Referral,
    evolve=OLD_REFERRAL.evolve,
    district=lambda s: s.district,
    entity="referral",
    exists=lambda s: s.exists,
    family_id=lambda s: s.family_id,
)


def visit(n: int) -> VisitLogged:
    return VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=ASSISTANT,
        visited_on=date(2026, 1, 16) + timedelta(days=n % 40),
        duration_minutes=60,
        place=VisitPlace.HOME,
        topics=(VisitTopic.PARENTING,),
        note=f"Rozmowa o szkole, wizyta {n}",
    )


class Suite:
    """One database, a keyring, and units of work with a chosen snapshot policy."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.keyring = Keyring(os.urandom(32))
        self.store = EventStore(clock=CLOCK, keyring=self.keyring)

    def uow(self, every: int = 1) -> SqlUnitOfWork:
        return UnitOfWorkFactory(self.engine, self.store, snapshots=SnapshotPolicy(every))(META)

    async def case_with_visits(self, visits: int, *, every: int = 1) -> UUID:
        case_id = uuid.uuid4()
        async with self.uow(every) as uow:
            uow.add(CASE, case_id, [opened(), assigned(ASSISTANT), CONSENT, STARTED])
        for n in range(visits):
            async with self.uow(every) as uow:
                await uow.get(CASE, case_id)
                uow.add(CASE, case_id, [visit(n)])
        return case_id

    async def load(self, kind: AggregateType[Any], aggregate_id: UUID, every: int = 1) -> Any:
        async with self.uow(every) as uow:
            state = await uow.find(kind, aggregate_id)
        return state, uow.events_read

    async def snapshot_row(self, stream: str) -> Any:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(select(snapshots).where(snapshots.c.stream_id == stream))
            ).first()

    async def spoil(self, stream: str, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(snapshots).where(snapshots.c.stream_id == stream).values(**values)
            )


@pytest.fixture(params=["sqlite", "postgresql"])
async def suite(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Suite]:
    name = ""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/snapshots.db")
    else:
        name = await create_pg_database()
        engine = create_engine(f"{PG_HOST_URL}/{name}")
    await create_schema(engine, kernel_metadata)
    yield Suite(engine)
    await engine.dispose()
    if name:
        await drop_pg_database(name)


async def test_a_command_folds_no_event_before_its_snapshot(suite: Suite) -> None:
    case_id = await suite.case_with_visits(30)
    state, read = await suite.load(CASE, case_id)
    full, read_without = await suite.load(CASE, case_id, every=0)
    assert read == 0
    assert read_without == 34
    assert state == full
    assert state.last_visit_on == max(visit(n).visited_on for n in range(30))
    row = await suite.snapshot_row(f"case-{case_id}")
    assert row.version == 34
    assert row.encrypted  # a family's aggregate: its snapshot is sealed with the family's key


async def test_a_stale_snapshot_is_folded_on_with_the_newer_events(suite: Suite) -> None:
    # Every 10 versions: after 4 + 21 events the snapshot is at 20 and 5 events follow it.
    case_id = await suite.case_with_visits(21, every=10)
    assert (await suite.snapshot_row(f"case-{case_id}")).version == 20
    # A writer with snapshots off (an older release during a rolling update) adds more.
    for n in range(3):
        async with suite.uow(every=0) as uow:
            await uow.get(CASE, case_id)
            uow.add(CASE, case_id, [visit(100 + n)])
    state, read = await suite.load(CASE, case_id, every=10)
    full, _ = await suite.load(CASE, case_id, every=0)
    assert read == 8
    assert state == full
    # The snapshot moves on when an append crosses the next multiple of 10 (28 -> 30).
    async with suite.uow(every=10) as uow:
        await uow.get(CASE, case_id)
        uow.add(CASE, case_id, [visit(200), visit(201)])
    assert (await suite.snapshot_row(f"case-{case_id}")).version == 30


async def test_a_snapshot_that_does_not_decode_is_ignored(suite: Suite) -> None:
    case_id = await suite.case_with_visits(5)
    stream = f"case-{case_id}"
    await suite.spoil(stream, state=b"\x00not a snapshot")
    state, read = await suite.load(CASE, case_id)
    full, _ = await suite.load(CASE, case_id, every=0)
    assert (state, read) == (full, 9)


async def test_a_snapshot_of_another_shape_is_ignored(suite: Suite) -> None:
    # What an older release stored in clear for a state whose fields were renamed since: it
    # would decode (every field has a default) into a wrong state if its fingerprint were
    # trusted, so both the fingerprint and the decoding must refuse it.
    case_id = await suite.case_with_visits(5)
    stream = f"case-{case_id}"
    await suite.spoil(stream, encrypted=False, state=b'{"exists": true, "district": 7}')
    state, read = await suite.load(CASE, case_id)
    assert read == 9
    assert state.district == "1465068"
    await suite.spoil(stream, fingerprint="written-by-another-release", encrypted=False)
    assert (await suite.load(CASE, case_id))[1] == 9
    # The next command writes a snapshot the current code can read.
    async with suite.uow() as uow:
        await uow.get(CASE, case_id)
        uow.add(CASE, case_id, [visit(9)])
    assert (await suite.load(CASE, case_id))[1] == 0


async def test_an_erased_family_s_snapshot_is_unreadable_and_rebuilt_as_erased(
    suite: Suite,
) -> None:
    referral_id, family_id = uuid.uuid4(), uuid.uuid4()
    member = FamilyMember(role="parent", first_name="Zofia", last_name="Wrzos", pesel="88061412365")
    async with suite.uow() as uow:
        uow.add(
            REFERRAL,
            referral_id,
            [
                FamilyReferred(
                    family_id=family_id,
                    district="1465068",
                    source=ReferralSource.SCHOOL,
                    referred_on=date(2026, 1, 5),
                    members=(member,),
                    reason="Zaległości w szkole",
                )
            ],
        )
    stream = f"referral-{referral_id}"
    row = await suite.snapshot_row(stream)
    assert row.encrypted and b"Wrzos" not in bytes(row.state)
    state, read = await suite.load(REFERRAL, referral_id)
    assert (state.members[0].last_name, read) == ("Wrzos", 0)

    async with suite.engine.begin() as conn:
        await suite.keyring.erase(conn, family_id, CLOCK.now())

    state, read = await suite.load(REFERRAL, referral_id)
    assert read == 1
    assert (state.members[0].first_name, state.members[0].last_name) == (ERASED, ERASED)
    assert state.family_id == family_id and state.exists
    # A command after the erasure stores no snapshot of the family, and drops the sealed one.
    async with suite.uow() as uow:
        await uow.get(REFERRAL, referral_id)
        uow.add(
            REFERRAL,
            referral_id,
            [
                FamilyInterviewRecorded(
                    conducted_on=date(2026, 1, 8), social_worker="Anna Kaczmarek"
                )
            ],
        )
    assert await suite.snapshot_row(stream) is None
    assert (await suite.load(REFERRAL, referral_id))[1] == 2


async def test_a_policy_of_zero_neither_reads_nor_writes_snapshots(suite: Suite) -> None:
    case_id = await suite.case_with_visits(3, every=0)
    assert await suite.snapshot_row(f"case-{case_id}") is None
    assert (await suite.load(CASE, case_id, every=0))[1] == 7
