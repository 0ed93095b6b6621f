"""`python -m bench.history`: a command's CPU against its case's history, the command path
alone (casework's `log_visit` handler through the command runner and the SQL unit of work on
PostgreSQL, no HTTP), with snapshots every append, every 25 versions, and off.

The load benchmark measures the same from outside (the casework API process's CPU per visit);
this one tells the unit of work's share from the HTTP answer's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.infra import fresh_pg_database
from services.casework.application import handlers
from services.casework.domain.case import CASE
from services.casework.domain.case.commands import LogVisit
from shared.domain.clock import FixedClock
from shared.events import (
    AssistantAssigned,
    CaseOpened,
    FamilyConsentRecorded,
    FamilyMember,
    ReferralSource,
    WorkStarted,
)
from shared.events.casework import VisitLogged, VisitPlace, VisitTopic
from shared.eventstore import EventMetadata, EventStore, kernel_metadata
from shared.eventstore.crypto import Keyring
from shared.eventstore.runner import CommandRunner
from shared.eventstore.snapshots import SnapshotPolicy
from shared.eventstore.unit_of_work import UnitOfWorkFactory
from shared.runtime.database import create_engine, create_schema

TODAY = date(2026, 3, 2)
CLOCK = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
ASSISTANT = uuid.UUID("00000000-0000-0000-0000-00000000a551")
META = EventMetadata(actor=f"assistant:{ASSISTANT}", correlation_id="bench-history")
POLICIES = {"every append": 1, "every 25": 25, "off": 0}


def _beginning(family: uuid.UUID) -> list[Any]:
    return [
        CaseOpened(
            referral_id=uuid.uuid4(),
            family_id=family,
            district="1465068",
            source=ReferralSource.FAMILY,
            obligatory=False,
            opened_on=date(2025, 1, 10),
            members=(
                FamilyMember(
                    role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"
                ),
            ),
        ),
        AssistantAssigned(family_id=family, assistant_id=ASSISTANT, assigned_on=date(2025, 1, 12)),
        FamilyConsentRecorded(given_on=date(2025, 1, 15), signed_by=("Anna Nowak",)),
        WorkStarted(started_on=date(2025, 1, 15), next_assessment_due=date(2026, 7, 15)),
    ]


def _visit(n: int) -> VisitLogged:
    return VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=ASSISTANT,
        visited_on=date(2025, 1, 16) + timedelta(days=n % 400),
        duration_minutes=60,
        place=VisitPlace.HOME,
        topics=(VisitTopic.PARENTING,),
        note=f"Rozmowa o szkole i o budżecie domowym, wizyta {n}.",
    )


def _command(case_id: uuid.UUID, n: int) -> LogVisit:
    return LogVisit(
        case_id=case_id,
        visit_id=uuid.uuid4(),
        visited_on=TODAY,
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=("matka",),
        topics=(VisitTopic.SCHOOL,),
        note=f"Wizyta {n}.",
    )


async def measure(history: int, cases: int, visits: int) -> list[dict[str, Any]]:
    rows = []
    async with fresh_pg_database() as db:
        engine = create_engine(db.url)
        await create_schema(engine, kernel_metadata)
        store = EventStore(clock=CLOCK, keyring=Keyring(os.urandom(32)))
        try:
            for label, every in POLICIES.items():
                factory = UnitOfWorkFactory(engine, store, snapshots=SnapshotPolicy(every))
                runner = CommandRunner(factory, CLOCK)
                result: dict[str, Any] = {"snapshots": label}
                for earlier in (0, history):
                    case_ids = []
                    for _ in range(cases):
                        case_id = uuid.uuid4()
                        async with factory(META) as uow:
                            uow.add(CASE, case_id, _beginning(uuid.uuid4()))
                        if earlier:
                            async with factory(META) as uow:
                                await uow.get(CASE, case_id)
                                uow.add(CASE, case_id, [_visit(n) for n in range(earlier)])
                        case_ids.append(case_id)
                    # A warm-up pass, then `visits` rounds over the cases.
                    for case_id in case_ids:
                        await runner.run(handlers.log_visit, _command(case_id, 0), META)
                    cpu, wall = time.process_time(), time.perf_counter()
                    for n in range(visits):
                        for case_id in case_ids:
                            await runner.run(handlers.log_visit, _command(case_id, n), META)
                    commands = visits * len(case_ids)
                    cpu_ms = (time.process_time() - cpu) / commands * 1000
                    wall_ms = (time.perf_counter() - wall) / commands * 1000
                    result[f"cpu_ms_at_{earlier}"] = round(cpu_ms, 3)
                    result[f"wall_ms_at_{earlier}"] = round(wall_ms, 3)
                result["ratio"] = round(result[f"cpu_ms_at_{history}"] / result["cpu_ms_at_0"], 2)
                rows.append(result)
                print(f"bench.history: {result}", file=sys.stderr, flush=True)
        finally:
            await engine.dispose()
    return rows


def main(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    rows = asyncio.run(measure(args.history, args.cases, args.visits))
    print(
        f"log_visit through the unit of work on PostgreSQL, CPU ms per command at 4 events and "
        f"at 4 + {args.history} (load average {load:.2f} at start, {os.getloadavg()[0]:.2f} "
        "at end):"
    )
    for row in rows:
        print("  " + ", ".join(f"{k} {v}" for k, v in row.items()))
    if args.json:
        print(json.dumps(rows))
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--history", type=int, default=200, help="earlier visits in a case")
    parser.add_argument("--cases", type=int, default=10, help="cases at each history length")
    parser.add_argument("--visits", type=int, default=5, help="rounds of one visit per case")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse()))
