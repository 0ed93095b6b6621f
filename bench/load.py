"""`python -m bench.load` (`make bench-load`): the whole path a user feels, measured from outside.

The suite runs as deployed: each service's API and the casework and reporting workers as
processes, on PostgreSQL and Redis. `wrk` (a C load generator costing little CPU; Debian's
package) replays prepared commands at a set rate, stepping it up until the suite breaks (p99
latency over 100 ms, p99 command-to-report lag over 250 ms, under 90 % of the offered rate
achieved, or over 1 % of the answers not 2xx). The mix is a centre's month: mostly visits,
then plan revisions, assessments, new referrals and the head's decisions on them. The same
generator then drives a bare FastAPI endpoint doing one asyncpg INSERT per request (the
reference) through the same steps.

Per step: achieved commands/s, p50/p99 latency (wrk's), p50/p99 lag from a probe visit's 2xx
to its count in `GET /reports/operational` (a light poller, one probe at a time), and the CPU
seconds per command of every process (from /proc/<pid>/stat). Before the load: the casework
API's CPU per visit on a case with 4 events and with 200 more, with snapshots and without.

Every loop is bounded in count and time; every target is 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import asyncpg
import httpx
import redis as sync_redis

from bench.infra import PG_ADMIN_DSN, REDIS_URL
from shared.domain.clock import poland_today
from suite.demo_data import pesel
from suite.embedded_redis import free_port
from suite.processes import SERVICES, SuiteProcesses
from suite.scenario import Suite, assign_with_consent, wait_for

LOAD_DISTRICT = "1465068"  # Ochota: the commands
PROBE_DISTRICT = "1465188"  # Wola: the lag probe's one case, which nothing else touches
SCRIPT = Path(__file__).parent / "load" / "schedule.lua"
RESULT_PATH = Path(".asysta") / "bench-latest.json"

# A centre's month per family in its care: about four visits, a plan revision every few
# months, an assessment twice a year; and new families referred and decided on.
MIX = {"visit": 78, "plan": 8, "assessment": 4, "referral": 5, "decision": 5}

P99_LIMIT_MS = 100.0
LAG_LIMIT_MS = 250.0
ACHIEVED_FLOOR = 0.9  # the reference: of the offered rate
SUITE_FLOOR = 0.8  # the suite: of what the reference achieved at the same offered rate
ERROR_CEILING = 0.01
PROBE_POLL_SECONDS = 0.02
PROBE_INTERVAL_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 5.0


def _progress(message: str) -> None:
    print(f"bench.load: {message}", file=sys.stderr, flush=True)


# CPU of processes ---------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants: an API run as several processes is a supervisor whose
    forked servers do the work (their CPU is not in the supervisor's own figures)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def postgres_backends(databases: list[str]) -> list[int]:
    """The PostgreSQL server processes serving the suite's databases (their connections)."""

    async def query() -> list[int]:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])", databases
            )
        finally:
            await conn.close()
        return [row["pid"] for row in rows]

    return asyncio.run(query())


@dataclass
class CpuMeter:
    """CPU seconds per named group of processes between `start` and `stop`."""

    groups: Callable[[], dict[str, list[int]]]
    before: dict[str, dict[int, float]] = field(default_factory=dict)

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in self.groups().items()
        }

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        return {
            name: round(
                sum(t - self.before.get(name, {}).get(pid, 0.0) for pid, t in pids.items()), 3
            )
            for name, pids in after.items()
        }


# The suite and its data ---------------------------------------------------------------------


def _create_databases(names: list[str]) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            for name in names:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())


def _drop_databases(names: list[str]) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@contextmanager
def running_suite(
    extra_env: dict[str, str], casework_api_workers: int = 1
) -> Iterator[tuple[SuiteProcesses, Suite, list[str]]]:
    """The suite on fresh PostgreSQL databases and the bench's Redis, API and workers apart;
    casework's API as `casework_api_workers` processes on one port."""
    tag = uuid.uuid4().hex[:10]
    databases = [f"asysta_load_{tag}_{name}" for name in SERVICES]
    prefix = f"load{tag}:"
    data_dir = Path(tempfile.mkdtemp(prefix="asysta-load-"))
    secret = secrets.token_urlsafe(32)
    _create_databases(databases)
    processes = SuiteProcesses(
        data_dir,
        {name: free_port() for name in SERVICES},
        REDIS_URL,
        database_urls={name: _pg_url(db) for name, db in zip(SERVICES, databases, strict=True)},
        separate_workers={"casework": 1, "reporting": 1},
        api_workers={"casework": casework_api_workers},
        extra_env={
            "ASYSTA_STREAM_PREFIX": prefix,
            "ASYSTA_ENV": "test",
            "ASYSTA_JWT_SECRET": secret,
            **extra_env,
        },
    )
    client = Suite(urls=processes.urls, secret=secret)
    try:
        _progress(f"starting the suite (logs in {data_dir / 'logs'})")
        processes.start()
        yield processes, client, databases
    finally:
        client.close()
        processes.stop()
        _drop_databases(databases)
        redis = sync_redis.Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
        redis.close()
        if os.environ.get("ASYSTA_BENCH_KEEP"):
            _progress(f"logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


_serials = iter(range(10_000_000))


def members(surname: str = "Obciążeniowa") -> list[dict[str, Any]]:
    """A parent and a child with fresh, valid PESEL numbers (a referral of the same PESEL
    twice would be refused as a duplicate)."""
    n = next(_serials)
    parent = date(1980, 1, 1) + timedelta(days=n // 400)
    child = date(2014, 1, 1) + timedelta(days=n // 400)
    return [
        {
            "role": "parent",
            "first_name": "Anna",
            "last_name": surname,
            "pesel": pesel(parent, n % 400, female=True),
        },
        {
            "role": "child",
            "first_name": "Ola",
            "last_name": surname,
            "pesel": pesel(child, n % 400, female=True),
        },
    ]


def referral(client: Suite, district: str, source: str = "family") -> str:
    body = {"district": district, "source": source, "members": members(), "reason": "Zgłoszenie."}
    created = client.social_worker(district).call("referrals", "POST", "/referrals", json=body)
    return str(created.json()["referral_id"])


def register_assistant(client: Suite, district: str) -> str:
    body = {
        "first_name": "Ewa",
        "last_name": "Asystentka",
        "district": district,
        "employment_form": "employment_contract",
    }
    created = client.head(district).call("directory", "POST", "/assistants", json=body)
    return str(created.json()["assistant_id"])


def working_case(client: Suite, district: str, assistant_id: str) -> str:
    """A granted referral's case, with its assistant assigned and the family's consent."""
    head = client.head(district)
    referral_id = referral(client, district)
    head.call(
        "referrals", "POST", f"/referrals/{referral_id}/decision", json={"decision": "granted"}
    )

    def case_id() -> str | None:
        rows = head.call("casework", "GET", "/cases", params={"referral_id": referral_id}).json()
        return rows[0]["case_id"] if rows else None

    found = wait_for("the case", case_id, timeout=30)
    assign_with_consent(head, found, assistant_id, poland_today(), "Anna Obciążeniowa", timeout=30)
    return found


def visit_body(n: int) -> dict[str, Any]:
    return {
        "visited_on": poland_today().isoformat(),
        "duration_minutes": 60 + n % 60,
        "place": "home",
        "present": ["matka", "córka"],
        "topics": ["parenting", "school"],
        "note": f"Rozmowa o szkole i o budżecie domowym, wizyta {n}.",
    }


def plan_body(n: int) -> dict[str, Any]:
    return {
        "actions": [
            {
                "description": "Regularne wizyty w poradni psychologicznej.",
                "deadline": (poland_today() + timedelta(days=60 + n % 30)).isoformat(),
                "expected_effect": "Poprawa relacji w rodzinie.",
            }
        ],
        "agreed_with_social_worker": "Anna Kaczmarek",
    }


def assessment_body(n: int) -> dict[str, Any]:
    return {
        "assessed_on": poland_today().isoformat(),
        "summary": f"Sytuacja rodziny stabilna, dzieci chodzą do szkoły (ocena {n}).",
    }


@dataclass
class Centre:
    """The load district's people and cases, and the probe's case."""

    client: Suite
    cases: list[tuple[str, str]]  # (case id, its assistant's id)
    probe_case: str
    probe_assistant: str
    undecided: list[str] = field(default_factory=list)

    def assistant_token(self, assistant_id: str) -> str:
        return self.client.assistant(LOAD_DISTRICT, assistant_id).token


def build_centre(client: Suite, cases: int) -> Centre:
    _progress(f"preparing {cases} working cases in the load district and the probe's case")
    assistants = [register_assistant(client, LOAD_DISTRICT) for _ in range(-(-cases // 12))]
    made = []
    for i in range(cases):
        assistant = assistants[i % len(assistants)]
        made.append((working_case(client, LOAD_DISTRICT, assistant), assistant))
    probe_assistant = register_assistant(client, PROBE_DISTRICT)
    probe_case = working_case(client, PROBE_DISTRICT, probe_assistant)
    return Centre(client, made, probe_case, probe_assistant)


def check_the_mix(centre: Centre) -> None:
    """One command of each kind by HTTP first: a refused kind would spoil every step."""
    case_id, assistant = centre.cases[0]
    person = centre.client.assistant(LOAD_DISTRICT, assistant)
    person.call("casework", "POST", f"/cases/{case_id}/visits", json=visit_body(0))
    person.call("casework", "PUT", f"/cases/{case_id}/plan", json=plan_body(0))
    person.call("casework", "POST", f"/cases/{case_id}/assessments", json=assessment_body(0))
    decided = referral(centre.client, LOAD_DISTRICT)
    centre.client.head(LOAD_DISTRICT).call(
        "referrals", "POST", f"/referrals/{decided}/decision", json={"decision": "granted"}
    )


# The generator's input ----------------------------------------------------------------------


def suite_requests(centre: Centre, count: int, rng: random.Random) -> dict[str, list[str]]:
    """`count` lines for the wrk script (METHOD, path, Authorization, body), in a random order
    of the month's mix, by the service that answers them (a wrk talks to one port). Decisions
    need referrals awaiting one: made beforehand, each decided once."""
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    needed = kinds.count("decision")
    _progress(f"preparing {needed} referrals to decide on")
    deadline = time.monotonic() + 120
    while len(centre.undecided) < needed and time.monotonic() < deadline:
        centre.undecided.append(referral(centre.client, LOAD_DISTRICT))
    head = f"Bearer {centre.client.head(LOAD_DISTRICT).token}"
    worker = f"Bearer {centre.client.social_worker(LOAD_DISTRICT).token}"
    tokens = {a: f"Bearer {centre.assistant_token(a)}" for _, a in centre.cases}
    lines: dict[str, list[str]] = {"casework": [], "referrals": []}
    for n, kind in enumerate(kinds):
        case_id, assistant = rng.choice(centre.cases)
        if kind == "decision" and not centre.undecided:
            kind = "visit"
        if kind == "visit":
            line = ("POST", f"/cases/{case_id}/visits", tokens[assistant], visit_body(n))
        elif kind == "plan":
            line = ("PUT", f"/cases/{case_id}/plan", tokens[assistant], plan_body(n))
        elif kind == "assessment":
            line = ("POST", f"/cases/{case_id}/assessments", tokens[assistant], assessment_body(n))
        elif kind == "referral":
            body = {
                "district": LOAD_DISTRICT,
                "source": "family",
                "members": members(),
                "reason": "Zgłoszenie rodziny.",
            }
            line = ("POST", "/referrals", worker, body)
        else:
            referral_id = centre.undecided.pop()
            decision = (
                {"decision": "granted"}
                if n % 2
                else {"decision": "declined", "reason": "Rodzina nie spełnia przesłanek."}
            )
            line = ("POST", f"/referrals/{referral_id}/decision", head, decision)
        method, path, auth, body = line
        service = "referrals" if path.startswith("/referrals") else "casework"
        lines[service].append(f"{method}\t{path}\t{auth}\t{json.dumps(body, ensure_ascii=False)}")
    return lines


def reference_requests(count: int) -> dict[str, list[str]]:
    return {
        "reference": [
            f"POST\t/rows\t\t{json.dumps(visit_body(n), ensure_ascii=False)}" for n in range(count)
        ]
    }


# One step: wrk at a rate, with the lag probe beside it ----------------------------------------


@dataclass
class Step:
    target: str
    offered: float
    achieved: float
    requests: int
    non_2xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    lag_samples: int
    cpu_per_command_ms: dict[str, float]
    broke: list[str]


def run_wrk(
    base_url: str, lines: list[str], rate: float, seconds: float, work: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    requests_file = work / f"requests-{int(rate)}-{uuid.uuid4().hex[:6]}.tsv"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The script schedules arrivals at the rate (open-loop, see schedule.lua); connections are
    # enough to keep that rate while answers take up to about half a second each, and few
    # enough at a low rate that each sends within uvicorn's keep-alive timeout (5 s): a
    # connection idle for longer is closed by the server, and wrk counts a socket error.
    threads = 2 if rate >= 4 else 1
    connections = max(threads, min(256, math.ceil(rate / 2)))
    env = {
        **os.environ,
        "WRK_REQUESTS": str(requests_file),
        "WRK_THREADS": str(threads),
        "WRK_INTERVAL_MS": f"{threads / rate * 1000:.3f}",
    }
    output = work / f"wrk-{int(rate)}-{uuid.uuid4().hex[:6]}.out"
    process = subprocess.Popen(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            base_url,
        ],
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, output


class LagProbe:
    """One probe visit at a time on the probe's case: the time from its 2xx to the report
    counting it, polled every 20 ms (the lag is known to within that)."""

    def __init__(self, centre: Centre) -> None:
        self.assistant = centre.client.assistant(PROBE_DISTRICT, centre.probe_assistant)
        self.head = centre.client.head(PROBE_DISTRICT)
        self.case_id = centre.probe_case
        self.seen = self.count()
        self.n = 0

    def count(self) -> int:
        report = self.head.call(
            "reporting", "GET", "/reports/operational", params={"district": PROBE_DISTRICT}
        ).json()
        for row in report["visit_frequency"]:
            if str(row["case_id"]) == self.case_id:
                return int(row["visits_last_4_weeks"])
        return 0

    def once(self) -> float | None:
        self.n += 1
        self.assistant.call(
            "casework", "POST", f"/cases/{self.case_id}/visits", json=visit_body(self.n)
        )
        acknowledged = time.perf_counter()
        deadline = acknowledged + PROBE_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            now = self.count()
            if now > self.seen:
                self.seen = now
                return (time.perf_counter() - acknowledged) * 1000
            time.sleep(PROBE_POLL_SECONDS)
        self.seen = self.count()
        return None  # over the timeout: counted as a broken lag by the caller


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(output: Path) -> dict[str, Any]:
    text = output.read_text(errors="replace")
    found = next((ln for ln in text.splitlines() if ln.startswith("BENCH ")), None)
    if found is None:
        raise RuntimeError(f"wrk gave no summary:\n{text}")
    return dict(json.loads(found[len("BENCH ") :]))


def _result(
    target: str,
    rate: float,
    summaries: list[dict[str, Any]],
    lags: list[float],
    cpu: dict[str, float],
    probes: int,
    floor: tuple[float, str],
) -> Step:
    """The step's figures; CPU per command counts the probe's visits as commands too."""
    requests = sum(x["requests"] for x in summaries)
    done = max(requests + probes, 1)
    achieved = sum(x["requests"] / (x["duration_us"] / 1e6) for x in summaries)
    non_2xx = sum(x["non_2xx"] for x in summaries)
    errors = sum(x["errors"] for x in summaries)
    # The wrk of the biggest part gives the median; the p99 is the worse of the parts'.
    main = max(summaries, key=lambda x: x["requests"])
    result = Step(
        target=target,
        offered=rate,
        achieved=round(achieved, 1),
        requests=requests,
        non_2xx=non_2xx,
        errors=errors,
        p50_ms=round(main["p50_us"] / 1000, 1),
        p99_ms=round(max(x["p99_us"] for x in summaries) / 1000, 1),
        lag_p50_ms=round(median(lags), 1) if lags else None,
        lag_p99_ms=round(percentile(lags, 0.99), 1) if lags else None,
        lag_samples=len(lags),
        cpu_per_command_ms={name: round(sec / done * 1000, 2) for name, sec in cpu.items()},
        broke=[],
    )
    if result.p99_ms > P99_LIMIT_MS:
        result.broke.append(f"p99 {result.p99_ms} ms > {P99_LIMIT_MS:g}")
    least, what = floor
    if achieved < least:
        result.broke.append(f"achieved {achieved:.1f}/s < {least:.1f} ({what})")
    if non_2xx + errors > ERROR_CEILING * done:
        result.broke.append(f"{non_2xx} non-2xx, {errors} socket errors")
    return result


def step(
    target: str,
    urls: dict[str, str],
    lines: dict[str, list[str]],
    rate: float,
    seconds: float,
    meter: CpuMeter,
    work: Path,
    probe: LagProbe | None,
    floor: tuple[float, str],
) -> Step:
    """One wrk per service answering part of the mix, each at its share of `rate`."""
    total_lines = sum(len(v) for v in lines.values())
    meter.start()
    started = time.process_time()
    runs = [
        run_wrk(urls[service], part, rate * len(part) / total_lines, seconds, work)
        for service, part in lines.items()
        if part
    ]
    lags: list[float] = []
    timeouts = 0
    deadline = time.monotonic() + seconds + 30

    def running() -> bool:
        return any(process.poll() is None for process, _ in runs)

    probes_before = probe.n if probe is not None else 0
    while running() and time.monotonic() < deadline:
        if probe is None:
            time.sleep(0.1)
            continue
        began = time.monotonic()
        lag = probe.once()
        # At most two probes a second: the poller must stay light beside the load.
        time.sleep(max(0.0, PROBE_INTERVAL_SECONDS - (time.monotonic() - began)))
        if lag is None:
            timeouts += 1
        else:
            lags.append(lag)
    for process, _ in runs:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 1))
        if process.poll() is None:
            process.kill()
            process.wait()
    cpu = meter.stop()
    cpu["bench poller"] = round(time.process_time() - started, 3)
    probes = (probe.n - probes_before) if probe is not None else 0
    summaries = [_summary(output) for _, output in runs]
    result = _result(target, rate, summaries, lags, cpu, probes, floor)
    if probe is not None:
        if timeouts:
            result.broke.append(f"{timeouts} probes not in the report after 5 s")
        if result.lag_p99_ms is not None and result.lag_p99_ms > LAG_LIMIT_MS:
            result.broke.append(f"lag p99 {result.lag_p99_ms} ms > {LAG_LIMIT_MS:g}")
    _progress(
        f"{target} at {rate:g}/s: {result.achieved}/s, p50 {result.p50_ms} ms, "
        f"p99 {result.p99_ms} ms, lag p50/p99 {result.lag_p50_ms}/{result.lag_p99_ms} ms"
        + (f"; broke: {', '.join(result.broke)}" if result.broke else "")
    )
    return result


# CPU per visit against the case's history -----------------------------------------------------


def visits_cpu(
    processes: SuiteProcesses, centre: Centre, case_id: str, assistant: str, visits: int
) -> float:
    """The casework API's CPU milliseconds per visit, `visits` posted one after another."""
    person = centre.client.assistant(LOAD_DISTRICT, assistant)
    pids = process_tree(processes.processes["casework"].pid)
    before = sum(cpu_seconds(pid) for pid in pids)
    for n in range(visits):
        person.call("casework", "POST", f"/cases/{case_id}/visits", json=visit_body(n))
    return round((sum(cpu_seconds(pid) for pid in pids) - before) / visits * 1000, 2)


def history_cost(
    processes: SuiteProcesses, centre: Centre, history: int, visits: int
) -> list[dict[str, Any]]:
    """CPU per visit on a new case (4 events) and on one with `history` more, with snapshots
    (the default) and without (casework's API restarted with ASYSTA_SNAPSHOTS_EVERY=0)."""
    # An assistant of its own: four more cases would take another's caseload over its limit.
    assistant = register_assistant(centre.client, LOAD_DISTRICT)
    labels = ("with snapshots", "without snapshots")
    long_cases = {label: working_case(centre.client, LOAD_DISTRICT, assistant) for label in labels}
    _progress(f"history: {history} visits on each of two cases")
    person = centre.client.assistant(LOAD_DISTRICT, assistant)

    def fill(case_id: str) -> None:
        for n in range(history):
            person.call("casework", "POST", f"/cases/{case_id}/visits", json=visit_body(n))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(fill, long_cases.values()))
    rows = []
    for label, env in (
        ("with snapshots", {}),
        ("without snapshots", {"ASYSTA_SNAPSHOTS_EVERY": "0"}),
    ):
        if env:
            processes.restart("casework", env)
        fresh = working_case(centre.client, LOAD_DISTRICT, assistant)
        visits_cpu(processes, centre, fresh, assistant, 3)  # warm the process's caches
        at_start = visits_cpu(processes, centre, fresh, assistant, visits)
        at_history = visits_cpu(processes, centre, long_cases[label], assistant, visits)
        rows.append(
            {
                "snapshots": label,
                "cpu_ms_per_visit_new_case": at_start,
                f"cpu_ms_per_visit_after_{history}": at_history,
                "ratio": round(at_history / at_start, 2) if at_start else None,
            }
        )
        _progress(f"history {label}: {at_start} ms vs {at_history} ms per visit")
    processes.restart("casework", {})
    return rows


# The run ------------------------------------------------------------------------------------


def ramp(
    target: str,
    urls: dict[str, str],
    make_lines: Callable[[int], dict[str, list[str]]],
    rates: list[float],
    seconds: float,
    meter: CpuMeter,
    work: Path,
    probe: LagProbe | None,
    reference: dict[float, float] | None = None,
) -> list[Step]:
    """Step the rate up until a step breaks. The reference must achieve 0.9 of the offered
    rate; the suite 0.8 of what the reference achieved at the same rate (the issue's goal),
    or of the offered rate past the reference's last step."""
    steps = []
    for rate in rates:
        lines = make_lines(int(rate * seconds * 1.3) + 10)
        if reference is None:
            floor = (ACHIEVED_FLOOR * rate, f"{ACHIEVED_FLOOR:g} x offered")
        elif rate in reference:
            floor = (SUITE_FLOOR * reference[rate], f"{SUITE_FLOOR:g} x the reference's")
        else:
            floor = (SUITE_FLOOR * rate, f"{SUITE_FLOOR:g} x offered")
        result = step(target, urls, lines, rate, seconds, meter, work, probe, floor)
        steps.append(result)
        if result.broke:
            break
        time.sleep(1)  # let the queues drain between steps
    return steps


def sustained(steps: list[Step]) -> float:
    return max((s.achieved for s in steps if not s.broke), default=0.0)


def format_table(steps: list[Step], history: list[dict[str, Any]], header: str) -> str:
    lines = [header, ""]
    lines.append(
        f"{'target':<10} {'offered/s':>9} {'achieved/s':>10} {'vs ref':>6} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'lag p50':>8} {'lag p99':>8} {'non-2xx':>7}  "
        "CPU ms per command by process; broke"
    )
    reference = {s.offered: s.achieved for s in steps if s.target == "reference"}
    for s in steps:
        against = reference.get(s.offered) if s.target == "suite" else None
        versus = f"{s.achieved / against:.2f}" if against else "-"
        cpu = ", ".join(f"{k} {v:g}" for k, v in sorted(s.cpu_per_command_ms.items()) if v)
        lag50 = "-" if s.lag_p50_ms is None else f"{s.lag_p50_ms:g}"
        lag99 = "-" if s.lag_p99_ms is None else f"{s.lag_p99_ms:g}"
        lines.append(
            f"{s.target:<10} {s.offered:>9g} {s.achieved:>10g} {versus:>6} {s.p50_ms:>7g} "
            f"{s.p99_ms:>7g} {lag50:>8} {lag99:>8} {s.non_2xx:>7}  {cpu}"
            + (f"; BROKE: {'; '.join(s.broke)}" if s.broke else "")
        )
    suite_steps = [s for s in steps if s.target == "suite"]
    reference_steps = [s for s in steps if s.target == "reference"]
    ours, raw = sustained(suite_steps), sustained(reference_steps)
    lines.append("")
    lines.append(
        f"sustained: suite {ours:g} commands/s, reference {raw:g}/s, ratio "
        f"{(ours / raw if raw else 0):.2f} (goal >= 0.8 with p99 <= 100 ms, lag p99 <= 250 ms)"
    )
    if history:
        lines.append("")
        lines.append("casework API CPU per visit against the case's history:")
        for row in history:
            lines.append("  " + ", ".join(f"{k} {v}" for k, v in row.items()))
    return "\n".join(lines)


def write_json(result: dict[str, Any]) -> Path:
    """Under the key "load" of .asysta/bench-latest.json, beside what bench.run writes."""
    RESULT_PATH.parent.mkdir(exist_ok=True)
    current: dict[str, Any] = {}
    if RESULT_PATH.exists():
        with suppress(ValueError):
            current = json.loads(RESULT_PATH.read_text())
    current["load"] = result
    RESULT_PATH.write_text(json.dumps(current, indent=2, ensure_ascii=False, default=str) + "\n")
    return RESULT_PATH


def main(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print(
            "bench.load needs wrk: `sudo apt-get install -y wrk` (Debian), then run again.",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    rates = [float(r) for r in args.rates.split(",")]
    rng = random.Random(14)
    work = Path(tempfile.mkdtemp(prefix="asysta-wrk-"))
    steps: list[Step] = []
    history: list[dict[str, Any]] = []
    try:
        # The reference first, on a quiet machine (the suite's processes idle but poll).
        reference_steps = reference_run(rates, args.seconds, work)
        reference = {s.offered: s.achieved for s in reference_steps}
        with running_suite({}, args.casework_api_workers) as (processes, client, databases):
            centre = build_centre(client, args.cases)
            check_the_mix(centre)
            if args.history:
                history = history_cost(processes, centre, args.history, args.history_visits)
            redis_pid = int(sync_redis.Redis.from_url(REDIS_URL).info("server")["process_id"])

            def groups() -> dict[str, list[int]]:
                found = {key: process_tree(p.pid) for key, p in processes.processes.items()}
                found["postgresql"] = postgres_backends(databases)
                found["redis"] = [redis_pid]
                return found

            meter = CpuMeter(groups)
            probe = LagProbe(centre)
            steps += ramp(
                "suite",
                processes.urls,
                lambda count: suite_requests(centre, count, rng),
                rates,
                args.seconds,
                meter,
                work,
                probe,
                reference,
            )
        steps += reference_steps
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_at_end = [round(x, 2) for x in os.getloadavg()]
    header = (
        f"Asysta load bench: {os.cpu_count()} CPUs, load average {load_at_start[0]} at start, "
        f"{load_at_end[0]} at end (the machine is shared: other work lowers every figure); "
        f"mix {MIX}; {args.cases} cases; steps of {args.seconds:g} s; casework API as "
        f"{args.casework_api_workers} process(es)"
    )
    print(format_table(steps, history, header))
    path = write_json(
        {
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_at_end,
            "mix": MIX,
            "cases": args.cases,
            "casework_api_workers": args.casework_api_workers,
            "step_seconds": args.seconds,
            "steps": [asdict(s) for s in steps],
            "sustained": {
                "suite": sustained([s for s in steps if s.target == "suite"]),
                "reference": sustained([s for s in steps if s.target == "reference"]),
            },
            "history": history,
            "wall_seconds": round(time.perf_counter() - started, 1),
        }
    )
    print(f"\n(written to {path} under 'load')")
    return 0


def reference_run(rates: list[float], seconds: float, work: Path) -> list[Step]:
    """The bare endpoint through the same steps, on a fresh database of its own."""
    name = f"asysta_load_ref_{uuid.uuid4().hex[:10]}"
    _create_databases([name])
    port = free_port()
    dsn = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    log = (work / "reference.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.reference", str(port), dsn],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool | None:
            if process.poll() is not None:
                raise RuntimeError("the reference endpoint exited; see its log")
            with suppress(httpx.HTTPError):
                return httpx.get(f"{url}/ready", timeout=2).status_code == 200 or None
            return None

        wait_for("the reference endpoint", ready, timeout=30)
        meter = CpuMeter(
            lambda: {"reference": [process.pid], "postgresql": postgres_backends([name])}
        )
        return ramp(
            "reference",
            {"reference": url},
            reference_requests,
            rates,
            seconds,
            meter,
            work,
            None,
        )
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
        log.close()
        _drop_databases([name])


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument(
        "--rates", default="5,10,20,40,80,160,320,640", help="offered commands/s, step by step"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of one step")
    parser.add_argument("--cases", type=int, default=24, help="working cases in the district")
    parser.add_argument(
        "--casework-api-workers",
        type=int,
        default=1,
        help="casework's API as this many processes on one port (ASYSTA_API_WORKERS)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=200,
        help="earlier visits for the CPU-per-visit check (0: skip)",
    )
    # CPU is read from /proc in clock ticks (10 ms): 150 visits make a tick 0.07 ms a visit,
    # where 30 made it 0.33 ms, as much as the difference the ratio is about.
    parser.add_argument(
        "--history-visits", type=int, default=150, help="visits measured at each history length"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse()))
