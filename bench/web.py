"""`python -m bench.web` (`make bench-web`, and a section of `make bench`): the web layer's own
cost on the two pages people open first, in a district as large as a centre gets.

The district: 15 assistants with 15 families each (225 cases, every assistant at the
statutory limit), each case with a year of history (a visit a week, a plan revision a
quarter, two assessments; every seventh family's second assessment is missing, so the desk
has overdue assessments), a few cases granted and waiting for an assistant, and a few
referrals awaiting the head's decision. The suite runs as deployed: each service's API and
the casework and reporting workers as processes, on fresh PostgreSQL databases and the
bench's Redis (`ASYSTA_BENCH_REDIS_URL`), with the web app (`services.web`) in front, in
development mode (its demo sign-in page), signing tokens with the suite's secret.

How the district is made, so that the year is real in every service:

1. Every process starts with `ASYSTA_CLOCK_SHIFT_DAYS=-365`: through the HTTP APIs, the head
   registers the assistants; the social worker refers each family, the head grants it
   (casework opens the case from the grant, as it always does), assigns it to its assistant
   and records the family's consent: all of it dated a year ago.
2. Every process of the services is restarted with today's clock; then the year's visits,
   plan revisions and assessments are run through casework's own command handlers
   (`services.casework.application.handlers` through its unit of work, inline projections
   and outbox, on the casework database; each command on a clock standing at its day),
   eight cases at a time: the domain's rules apply to every one, and the running casework
   process's relay publishes the events to the other services as it would any command's.
   (225 × 58 commands through HTTP would take tens of minutes on two cores: the casework API
   answers each with the whole case file.) The bench waits until every outbox is empty and
   every consumer group has caught up.
3. The referrals awaiting a decision and the cases waiting for an assistant are made today,
   through the APIs.

Then, for each page, `--requests` rounds, one request at a time: the page through the web app
with a session cookie from the development sign-in (an assistant of the district, and the
district's head), and the same API calls the page makes, with the token the session holds,
made as the page makes them:

- `GET /assistant` ("Moje rodziny"): reporting `GET /tasks`, then casework `GET /cases`;
- `GET /head` (the desk): reporting `GET /tasks?district=`, then at once referrals
  `GET /referrals?status=awaiting_decision`, casework `GET /waiting-list`,
  `GET /assessments/overdue`, `GET /court-opinions` and `GET /cases?status=transfer_pending`.

The two alternate within each round (which goes first alternates too), after a few warm-up
rounds, so a drift of the machine hits both. Printed: median and p95 of each, and the ratio
page / API (the web layer's own cost: session, rendering, the second hop). Written under
"web" in `.asysta/bench-latest.json`. Speed is never asserted. `--small` is a quick run
(2 assistants × 2 families, 6 weeks of history) for the smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis as sync_redis
import redis.asyncio as aioredis

from bench.infra import PG_ADMIN_DSN
from bench.infra import REDIS_URL as BENCH_REDIS_URL
from services.casework.application import handlers
from services.casework.bootstrap import build_app, projections
from services.casework.domain.case.commands import AssessFamily, LogVisit, UpdatePlan
from services.casework.settings import CaseworkSettings
from services.web.session import COOKIE_NAME, fernet_for
from shared.domain.clock import FixedClock, poland_today
from shared.events.casework import PlanAction, VisitPlace, VisitTopic
from shared.eventstore.runner import CommandRunner
from shared.eventstore.store import EventMetadata
from shared.eventstore.unit_of_work import SqlUnitOfWork
from shared.runtime.metrics import read_group_lag
from suite.demo_data import pesel
from suite.embedded_redis import free_port
from suite.processes import SERVICES, SuiteProcesses
from suite.scenario import Suite, assign_with_consent, wait_for

DISTRICT = "1465068"  # Ochota
YEAR_AGO = 365
RESULT_PATH = Path(".asysta") / "bench-latest.json"
WARM_UP = 3
HISTORY_CONCURRENCY = 8
SETUP_THREADS = 6
SURNAMES = (
    "Nowak",
    "Kowalska",
    "Wiśniewska",
    "Wójcik",
    "Kowalczyk",
    "Kamińska",
    "Lewandowska",
    "Zielińska",
    "Szymańska",
    "Woźniak",
    "Dąbrowska",
    "Kozłowska",
    "Jankowska",
    "Mazur",
    "Kwiatkowska",
    "Krawczyk",
    "Piotrowska",
    "Grabowska",
    "Nowakowska",
    "Pawłowska",
    "Michalska",
    "Król",
    "Wieczorek",
    "Jabłońska",
    "Wróbel",
)


def _progress(message: str) -> None:
    print(f"bench.web: {message}", file=sys.stderr, flush=True)


# The suite ------------------------------------------------------------------------------------


def _pg(statements: list[str]) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@dataclass
class WebSuite:
    processes: SuiteProcesses
    secret: str
    session_secret: str
    prefix: str
    redis_url: str
    database_urls: dict[str, str]

    @property
    def web_url(self) -> str:
        return str(self.processes.web_url)

    def client(self) -> Suite:
        return Suite(urls=self.processes.urls, secret=self.secret)

    def shift_clock(self, days: int) -> None:
        """Restart every process of the services with their clock `days` from today."""
        for key in list(self.processes.processes):
            if key != "web":
                self.processes.restart(key, {"ASYSTA_CLOCK_SHIFT_DAYS": str(days)})


@contextmanager
def running_suite(redis_url: str, *, shift_days: int) -> Iterator[WebSuite]:
    """The suite and the web app on fresh PostgreSQL databases, removed afterwards."""
    tag = uuid.uuid4().hex[:10]
    databases = {name: f"asysta_bweb_{tag}_{name}" for name in SERVICES}
    prefix = f"bweb{tag}:"
    data_dir = Path(tempfile.mkdtemp(prefix="asysta-bench-web-"))
    secret = secrets.token_urlsafe(32)
    session_secret = secrets.token_urlsafe(32)
    _pg([f'CREATE DATABASE "{db}"' for db in databases.values()])
    urls = {name: _pg_url(db) for name, db in databases.items()}
    processes = SuiteProcesses(
        data_dir,
        {name: free_port() for name in SERVICES},
        redis_url,
        database_urls=urls,
        separate_workers={"casework": 1, "reporting": 1},
        extra_env={
            "ASYSTA_STREAM_PREFIX": prefix,
            "ASYSTA_ENV": "test",
            "ASYSTA_JWT_SECRET": secret,
            "ASYSTA_CLOCK_SHIFT_DAYS": str(shift_days),
        },
        web_port=free_port(),
        web_env={
            "ASYSTA_ENV": "development",
            "WEB_SESSION_SECRET": session_secret,
            "WEB_DEV_DISTRICTS": DISTRICT,
        },
    )
    try:
        _progress(f"starting the suite and the web app (logs in {data_dir / 'logs'})")
        processes.start()
        yield WebSuite(processes, secret, session_secret, prefix, redis_url, urls)
    finally:
        processes.stop()
        _pg([f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)' for db in databases.values()])
        client = sync_redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
        if os.environ.get("ASYSTA_BENCH_KEEP"):
            _progress(f"logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# The district, through the APIs ------------------------------------------------------------


@dataclass
class District:
    assistants: list[str] = field(default_factory=list)
    # Per case: (case id, its assistant's id, the day its work started).
    cases: list[tuple[str, str, date]] = field(default_factory=list)


_serials = iter(range(10_000_000))


def _members(surname: str) -> list[dict[str, Any]]:
    n = next(_serials)
    parent = date(1980, 1, 1) + timedelta(days=n // 400)
    return [
        {
            "role": "parent",
            "first_name": "Anna",
            "last_name": surname,
            "pesel": pesel(parent, n % 400, female=True),
        },
        *(
            {
                "role": "child",
                "first_name": name,
                "last_name": surname,
                "pesel": pesel(
                    date(2012 + i * 3, 1, 1) + timedelta(days=n // 400), n % 400, female=False
                ),
            }
            for i, name in enumerate(("Jan", "Piotr")[: 1 + n % 2])
        ),
    ]


def _referral(client: Suite, surname: str) -> str:
    body = {
        "district": DISTRICT,
        "source": "family",
        "members": _members(surname),
        "reason": "Trudności opiekuńczo-wychowawcze.",
    }
    created = client.social_worker(DISTRICT).call("referrals", "POST", "/referrals", json=body)
    return str(created.json()["referral_id"])


def _granted_case(client: Suite, surname: str) -> str:
    head = client.head(DISTRICT)
    referral_id = _referral(client, surname)
    head.call(
        "referrals",
        "POST",
        f"/referrals/{referral_id}/decision",
        json={"decision": "granted", "reason": "Rodzina spełnia przesłanki."},
    )

    def case_id() -> str | None:
        rows = head.call("casework", "GET", "/cases", params={"referral_id": referral_id}).json()
        return str(rows[0]["case_id"]) if rows else None

    return wait_for("the case", case_id, timeout=60)


def _assigned_case(suite: WebSuite, assistant_id: str, surname: str, started: date) -> str:
    client = suite.client()
    try:
        case = _granted_case(client, surname)
        head = client.head(DISTRICT)
        assign_with_consent(head, case, assistant_id, started, f"Anna {surname}", timeout=60)
        return case
    finally:
        client.close()


def build_year_ago(suite: WebSuite, assistants: int, families: int) -> District:
    """Step 1: the assistants, and each one's families granted, assigned and consenting, on
    the services' clock standing a year ago."""
    started = poland_today() - timedelta(days=YEAR_AGO)
    district = District()
    client = suite.client()
    try:
        head = client.head(DISTRICT)
        for i in range(assistants):
            body = {
                "first_name": "Ewa",
                "last_name": f"Asystentka {i + 1:02d}",
                "district": DISTRICT,
                "employment_form": "employment_contract",
            }
            created = head.call("directory", "POST", "/assistants", json=body).json()
            district.assistants.append(str(created["assistant_id"]))
    finally:
        client.close()
    _progress(f"{assistants} assistants × {families} families: referral, grant, assignment")
    jobs = [
        (assistant, f"{SURNAMES[(a * families + f) % len(SURNAMES)]}", started)
        for a, assistant in enumerate(district.assistants)
        for f in range(families)
    ]
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        made = list(pool.map(lambda job: _assigned_case(suite, *job), jobs))
    district.cases = [
        (case, assistant, day) for case, (assistant, _, day) in zip(made, jobs, strict=True)
    ]
    return district


def build_today(suite: WebSuite, awaiting: int, waiting: int) -> None:
    """Step 3: referrals awaiting the head's decision, and granted cases awaiting an assistant."""
    client = suite.client()
    try:
        for n in range(awaiting):
            _referral(client, SURNAMES[n % len(SURNAMES)])
        for n in range(waiting):
            _granted_case(client, SURNAMES[(n + 7) % len(SURNAMES)])
    finally:
        client.close()


# The year's history, through casework's command handlers ------------------------------------


def _plan(case_id: uuid.UUID, n: int, on: date) -> UpdatePlan:
    return UpdatePlan(
        case_id=case_id,
        actions=(
            PlanAction(
                description=f"Regularne wizyty w poradni psychologicznej (wersja {n}).",
                deadline=on + timedelta(days=90),
                expected_effect="Poprawa relacji w rodzinie.",
            ),
            PlanAction(
                description="Uporządkowanie budżetu domowego.",
                deadline=on + timedelta(days=60),
                expected_effect="Opłacone rachunki bez zaległości.",
            ),
        ),
        agreed_with_social_worker="Anna Kaczmarek",
    )


def history_of(
    case_id: uuid.UUID, started: date, today: date, index: int
) -> list[tuple[date, Any]]:
    """The year of one case, in order: (the day, the command)."""
    out: list[tuple[date, Any]] = []
    day = started + timedelta(days=1 + index % 5)
    n = 0
    while day <= today:
        n += 1
        out.append(
            (
                day,
                LogVisit(
                    case_id=case_id,
                    visit_id=uuid.uuid4(),
                    visited_on=day,
                    duration_minutes=60 + n % 4 * 15,
                    place=VisitPlace.HOME,
                    present=("matka", "syn"),
                    topics=(VisitTopic.PARENTING, VisitTopic.SCHOOL),
                    note=f"Rozmowa o szkole i o budżecie domowym, wizyta {n}.",
                ),
            )
        )
        day += timedelta(days=7)
    for q, offset in enumerate(range(2, (today - started).days, 91)):
        on = started + timedelta(days=offset)
        out.append((on, _plan(case_id, q + 1, on)))
    assessed = [started + timedelta(days=170)]
    if index % 7:  # every seventh family's second assessment is missing: overdue on the desk
        assessed.append(started + timedelta(days=340))
    for n, on in enumerate(assessed, 1):
        if on <= today:
            summary = f"Sytuacja rodziny stabilna, dzieci chodzą do szkoły (ocena {n})."
            out.append((on, AssessFamily(case_id=case_id, assessed_on=on, summary=summary)))
    out.sort(key=lambda item: (item[0], not isinstance(item[1], UpdatePlan)))
    return out


HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {
    LogVisit: handlers.log_visit,
    UpdatePlan: handlers.update_plan,
    AssessFamily: handlers.assess_family,
}


async def write_history(suite: WebSuite, district: District, weeks: int | None) -> int:
    """Step 2: the year (or `weeks` of it, counted back from today) of every case, through
    casework's handlers on its database; returns how many commands ran."""
    settings = CaseworkSettings(
        database_url=suite.database_urls["casework"],
        ASYSTA_ENV="test",
        ASYSTA_JWT_SECRET=suite.secret,
    )
    app = build_app(settings)
    runtime = app.runtime
    read_models = projections(app.index)
    today = poland_today()
    semaphore = asyncio.Semaphore(HISTORY_CONCURRENCY)
    done = 0

    async def one_case(index: int, case_id: str, assistant_id: str, started: date) -> None:
        nonlocal done
        metadata = EventMetadata(actor=f"assistant:{assistant_id}", correlation_id="bench-web")

        def unit_of_work(meta: EventMetadata) -> SqlUnitOfWork:
            return SqlUnitOfWork(runtime.engine, runtime.store, meta, projections=read_models)

        commands = history_of(uuid.UUID(case_id), started, today, index)
        if weeks is not None:
            since = today - timedelta(weeks=weeks)
            commands = [(day, cmd) for day, cmd in commands if day >= since]
        async with semaphore:
            for day, command in commands:
                at = datetime.combine(day, day_time(12, 0), tzinfo=UTC)
                runner = CommandRunner(unit_of_work, FixedClock(at))
                await runner.run(HANDLERS[type(command)], command, metadata)
                done += 1

    try:
        await asyncio.gather(*(one_case(i, *case) for i, case in enumerate(district.cases)))
    finally:
        await runtime.engine.dispose()
    return done


async def _settled(suite: WebSuite) -> bool:
    """Every service's outbox empty and every consumer group caught up."""
    for name in ("referrals", "casework", "directory"):
        dsn = suite.database_urls[name].replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(dsn)
        try:
            if await conn.fetchval("SELECT count(*) FROM outbox"):
                return False
        finally:
            await conn.close()
    client = aioredis.from_url(suite.redis_url)
    try:
        groups = await read_group_lag(client, suite.prefix)
    finally:
        await client.aclose()
    return bool(groups) and all(g.lag == 0 and g.pending == 0 for g in groups)


def wait_settled(suite: WebSuite, timeout: float) -> None:
    wait_for(
        "the suite to settle",
        lambda: True if asyncio.run(_settled(suite)) else None,
        timeout=timeout,
    )


# Measuring -----------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(web: httpx.AsyncClient, user_key: str, next_url: str) -> None:
    """Sign in on the development page, as a person does (the session cookie stays in `web`)."""
    page = await web.get("/signin")
    page.raise_for_status()
    found = CSRF.search(page.text)
    if found is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    answer = await web.post(
        "/signin/dev", data={"csrf_token": found.group(1), "user": user_key, "next": next_url}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in as {user_key}: {answer.status_code}")


def session_token(web: httpx.AsyncClient, session_secret: str) -> str:
    cookie = web.cookies.get(COOKIE_NAME)
    if not cookie:
        raise RuntimeError("no session cookie after signing in")
    data = json.loads(fernet_for(session_secret).decrypt(cookie.encode()))
    return str(data["user"]["token"])


Call = tuple[str, str, dict[str, str]]  # service, path, query


def page_calls(page: str) -> tuple[list[Call], list[Call]]:
    """The API calls the page makes: those in order first, then those made at once."""
    if page == "/assistant":
        return [("reporting", "/tasks", {})], [("casework", "/cases", {"district": DISTRICT})]
    return [("reporting", "/tasks", {"district": DISTRICT})], [
        ("referrals", "/referrals", {"district": DISTRICT, "status": "awaiting_decision"}),
        ("casework", "/waiting-list", {"district": DISTRICT}),
        ("casework", "/assessments/overdue", {"district": DISTRICT}),
        ("casework", "/court-opinions", {"district": DISTRICT}),
        ("casework", "/cases", {"district": DISTRICT, "status": "transfer_pending"}),
    ]


def label(call: Call) -> str:
    service, path, query = call
    return f"{service} {path}" + (f"?status={query['status']}" if "status" in query else "")


@dataclass
class Measured:
    page: str
    who: str
    page_ms: list[float]
    api_ms: list[float]
    listed: dict[str, int]
    call_median_ms: dict[str, float]
    page_bytes: int
    api_bytes: int

    @staticmethod
    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_json(self) -> dict[str, Any]:
        page_median, api_median = statistics.median(self.page_ms), statistics.median(self.api_ms)
        return {
            "page": self.page,
            "who": self.who,
            "requests": len(self.page_ms),
            "listed": self.listed,
            "api_call_median_ms": self.call_median_ms,
            "page_bytes": self.page_bytes,
            "api_bytes": self.api_bytes,
            "page_median_ms": round(page_median, 1),
            "page_p95_ms": round(self.p95(self.page_ms), 1),
            "api_median_ms": round(api_median, 1),
            "api_p95_ms": round(self.p95(self.api_ms), 1),
            "ratio_median": round(page_median / api_median, 2),
            "ratio_p95": round(self.p95(self.page_ms) / self.p95(self.api_ms), 2),
        }


async def measure_page(
    suite: WebSuite, page: str, user_key: str, who: str, requests: int, marker: str
) -> Measured:
    async with httpx.AsyncClient(base_url=suite.web_url, timeout=60) as web:
        await sign_in(web, user_key, page)
        token = session_token(web, suite.session_secret)
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "pl"}
        apis = {
            name: httpx.AsyncClient(base_url=url, timeout=60, headers=headers)
            for name, url in suite.processes.urls.items()
        }
        in_order, at_once = page_calls(page)
        page_bytes = api_bytes = 0

        call_ms: dict[str, list[float]] = {label(call): [] for call in in_order + at_once}

        async def one(call: Call) -> int:
            service, path, query = call
            start = time.perf_counter()
            answer = await apis[service].get(path, params=query)
            call_ms[label(call)].append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"{service} {path}: {answer.status_code} {answer.text[:200]}")
            return len(answer.content)

        async def api_round() -> float:
            nonlocal api_bytes
            start = time.perf_counter()
            sizes = [await one(call) for call in in_order]
            sizes += await asyncio.gather(*(one(call) for call in at_once))
            elapsed = (time.perf_counter() - start) * 1000
            api_bytes = sum(sizes)
            return elapsed

        async def page_round() -> float:
            nonlocal page_bytes
            start = time.perf_counter()
            answer = await web.get(page)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200 or marker not in answer.text:
                raise RuntimeError(f"{page}: {answer.status_code} without {marker!r}")
            page_bytes = len(answer.content)
            return elapsed

        try:
            for _ in range(WARM_UP):
                await page_round()
                await api_round()
            for times in call_ms.values():
                times.clear()
            page_ms: list[float] = []
            api_ms: list[float] = []
            for n in range(requests):
                if n % 2:
                    api_ms.append(await api_round())
                    page_ms.append(await page_round())
                else:
                    page_ms.append(await page_round())
                    api_ms.append(await api_round())
            # What the page showed: the length of each list it read.
            listed = {}
            for service, path, query in in_order + at_once:
                answer = (await apis[service].get(path, params=query)).json()
                rows = answer.get("tasks", []) if isinstance(answer, dict) else answer
                listed[label((service, path, query))] = len(rows)
        finally:
            await asyncio.gather(*(client.aclose() for client in apis.values()))
    calls = {name: round(statistics.median(times), 1) for name, times in call_ms.items()}
    return Measured(page, who, page_ms, api_ms, listed, calls, page_bytes, api_bytes)


def table(results: list[Measured], header: str) -> str:
    rows = [
        f"{'page':<22} | {'page median':>11} | {'page p95':>8} | {'API median':>10} | "
        f"{'API p95':>7} | {'ratio med':>9} | {'ratio p95':>9}"
    ]
    for r in results:
        j = r.as_json()
        rows.append(
            f"{r.page + ' (' + r.who + ')':<22} | {j['page_median_ms']:>8.1f} ms | "
            f"{j['page_p95_ms']:>5.1f} ms | {j['api_median_ms']:>7.1f} ms | "
            f"{j['api_p95_ms']:>4.1f} ms | {j['ratio_median']:>9.2f} | {j['ratio_p95']:>9.2f}"
        )
    return "\n".join([header, "-" * max(len(row) for row in rows), *rows])


def write_json(result: dict[str, Any]) -> Path:
    """Under the key "web" of .asysta/bench-latest.json, beside what the others write."""
    RESULT_PATH.parent.mkdir(exist_ok=True)
    current: dict[str, Any] = {}
    if RESULT_PATH.exists():
        with suppress(ValueError):
            current = json.loads(RESULT_PATH.read_text())
    current["web"] = result
    RESULT_PATH.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
    return RESULT_PATH


def run(args: argparse.Namespace, redis_url: str | None = None) -> dict[str, Any]:
    """Make the district, measure both pages; the figures (also printed)."""
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with running_suite(redis_url or BENCH_REDIS_URL, shift_days=-YEAR_AGO) as suite:
        district = build_year_ago(suite, args.assistants, args.families)
        _progress("restarting the services on today's clock")
        suite.shift_clock(0)
        _progress(f"writing the history of {len(district.cases)} cases through the handlers")
        history_started = time.perf_counter()
        commands = asyncio.run(write_history(suite, district, args.weeks))
        history_seconds = time.perf_counter() - history_started
        _progress(f"{commands} commands in {history_seconds:.0f} s; desk referrals and waiting")
        build_today(suite, args.awaiting, args.waiting)
        wait_settled(suite, timeout=args.settle_timeout)
        setup_seconds = time.perf_counter() - started
        _progress(f"district ready in {setup_seconds:.0f} s; measuring {args.requests} rounds")
        assistant = district.assistants[0]
        results = [
            asyncio.run(
                measure_page(
                    suite,
                    "/assistant",
                    f"assistant:{DISTRICT}:{assistant}",
                    "assistant",
                    args.requests,
                    SURNAMES[0],
                )
            ),
            asyncio.run(
                measure_page(
                    suite, "/head", f"head:{DISTRICT}", "head", args.requests, "Biurko kierownika"
                )
            ),
        ]
    load_at_end = [round(x, 2) for x in os.getloadavg()]
    header = (
        f"Asysta web pages: {os.cpu_count()} CPUs; load average {load_at_start[0]} at start, "
        f"{load_at_end[0]} at end\n"
        f"{args.assistants} assistants × {args.families} families, "
        f"{'a year' if args.weeks is None else f'{args.weeks} weeks'} of history "
        f"({commands} commands); {args.requests} requests each, one at a time; "
        "ratio = page / its API calls alone (the web layer's own cost)"
    )
    print(table(results, header))
    for r in results:
        shown = ", ".join(
            f"{k} ({r.listed[k]} rows, median {ms} ms)" for k, ms in r.call_median_ms.items()
        )
        print(f"  {r.page} read {shown}; page {r.page_bytes:,} B, API {r.api_bytes:,} B")
    return {
        "parameters": {
            "assistants": args.assistants,
            "families_per_assistant": args.families,
            "history_weeks": args.weeks or 52,
            "history_commands": commands,
            "history_seconds": round(history_seconds, 1),
            "awaiting_referrals": args.awaiting,
            "waiting_cases": args.waiting,
            "requests": args.requests,
            "setup_seconds": round(setup_seconds, 1),
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_at_end,
        },
        "results": [r.as_json() for r in results],
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--assistants", type=int, default=15)
    parser.add_argument("--families", type=int, default=15, help="families per assistant")
    parser.add_argument(
        "--weeks", type=int, default=None, help="only the last weeks of the year (default all)"
    )
    parser.add_argument("--awaiting", type=int, default=8, help="referrals awaiting a decision")
    parser.add_argument("--waiting", type=int, default=4, help="cases waiting for an assistant")
    parser.add_argument("--requests", type=int, default=60, help="rounds per page")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument(
        "--small",
        action="store_true",
        help="2 assistants × 2 families, 6 weeks, 5 rounds (the smoke test)",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.assistants, args.families, args.weeks = 2, 2, 6
        args.awaiting, args.waiting, args.requests = 2, 1, 5
    return args


def main(args: argparse.Namespace, redis_url: str | None = None) -> int:
    result = run(args, redis_url)
    if not args.small:
        path = write_json(result)
        print(f"\n(written to {path}; whole run {result['parameters']['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(parse()))
