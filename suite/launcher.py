"""`make run` and `make demo`: the whole suite on one machine.

run:  every service (API, relay and worker in one process each) on SQLite files under
      .asysta/, Redis from REDIS_URL or an embedded redis-server, and the web app; demo data on
      an empty start; prints the web app's URL first, then the APIs'; runs until Ctrl-C.
tokens: a bearer token per demo user, for calling the APIs by hand (development only).
demo: the same on a fresh temporary directory and free ports; drives the scenario, prints the
      caseload reports, stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

from shared.domain.districts import district_name
from shared.runtime.settings import DEVELOPMENT_JWT_SECRET
from shared.web.auth import Role, issue_token
from suite.demo_data import DEMO_DISTRICTS, OCHOTA
from suite.embedded_redis import free_port
from suite.processes import (
    DEFAULT_PORTS,
    SERVICES,
    WEB_DEFAULT_PORT,
    ProcessExited,
    SuiteProcesses,
)
from suite.scenario import (
    ScenarioFailed,
    Suite,
    format_city,
    format_report,
    load_directory_seed,
    run_scenario,
    wait_for_reports,
)

REDIS_URL_FILE = "redis-url"  # asysta.locate reads it


def demo_tokens(secret: str, assistants: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """A token per demo user: in each demo district its head, social worker and assistants
    (an assistant's `sub` is their login, or their id if they have none), then the school,
    the court, the city analyst and the administrator."""
    users: dict[str, tuple[str, Role, list[str]]] = {}
    for district in DEMO_DISTRICTS:
        name = district_name(district)
        users[f"kierownik {name} (head)"] = (f"head-{district}", Role.HEAD, [district])
        users[f"pracownik socjalny {name} (social_worker)"] = (
            f"social_worker-{district}",
            Role.SOCIAL_WORKER,
            [district],
        )
        for a in assistants.get(district, []):
            users[f"asystent {a['name']}, {name} (assistant)"] = (
                a.get("login") or a["assistant_id"],
                Role.ASSISTANT,
                [district],
            )
    users["szkoła, REGON 123456785 (school)"] = ("123456785", Role.SCHOOL, [OCHOTA])
    users["sąd rejonowy (court)"] = ("SR-Warszawa-Ochota", Role.COURT, ["*"])
    users["analityk miasta (city_analyst)"] = ("city", Role.CITY_ANALYST, ["*"])
    users["administrator (admin)"] = ("admin", Role.ADMIN, ["*"])
    return {
        label: issue_token(secret, subject=subject, role=role, districts=districts)
        for label, (subject, role, districts) in users.items()
    }


def demo_assistants(suite: Suite) -> dict[str, list[dict[str, str]]]:
    """The demo districts' assistants by district (id and name), read from the directory."""
    found: dict[str, list[dict[str, str]]] = {}
    for district in DEMO_DISTRICTS:
        rows = (
            suite.head(district)
            .call("directory", "GET", "/assistants", params={"district": district})
            .json()
        )
        found[district] = [
            {
                "assistant_id": str(a["assistant_id"]),
                "login": str(a.get("login") or ""),
                "name": f"{a['first_name']} {a['last_name']}",
            }
            for a in rows
        ]
    return found


def _secret() -> str:
    return os.environ.get("ASYSTA_JWT_SECRET") or DEVELOPMENT_JWT_SECRET


def _suite(processes: SuiteProcesses) -> Suite:
    return Suite(urls=processes.urls, secret=_secret())


def _is_empty(suite: Suite) -> bool:
    response = (
        suite.head(OCHOTA).client("directory").get("/assistants", params={"district": OCHOTA})
    )
    response.raise_for_status()
    return not response.json()


class Stopped(Exception):
    """SIGTERM (a supervisor, systemd, `kill`) or SIGHUP: stop as Ctrl-C does."""


def _stop_on_signals() -> None:
    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def _ignore_signals() -> None:
    """While stopping: a second Ctrl-C or SIGTERM must not cut the stop short (that would
    leave services or Redis running)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def run(args: argparse.Namespace) -> int:
    ports = {
        name: int(os.environ.get(f"{name.upper()}_PORT", DEFAULT_PORTS[name])) for name in SERVICES
    }
    web_port = int(os.environ.get("WEB_PORT", WEB_DEFAULT_PORT))
    data_dir = Path(args.data_dir)
    processes = SuiteProcesses(data_dir, ports, os.environ.get("REDIS_URL"), web_port=web_port)
    # A taken port or a database that cannot be opened: said in one line, nothing started.
    problem = processes.start_problem()
    if problem is not None:
        print(problem, file=sys.stderr, flush=True)
        return 2
    # Left by a run that was killed (SIGKILL, a crash): it names a Redis that is gone.
    redis_url_file = data_dir / REDIS_URL_FILE
    redis_url_file.unlink(missing_ok=True)
    _stop_on_signals()
    # The first line: where people open Asysta (the services keep starting meanwhile).
    print(f"Asysta w przeglądarce: {processes.web_url}  (uruchamiam…)", flush=True)
    try:
        processes.start()
        # `asysta` (the operator's command line) finds the embedded Redis here.
        redis_url_file.write_text(f"{processes.redis_url}\n")
        suite = _suite(processes)
        if _is_empty(suite):
            print("Pusta baza: wczytuję dane demonstracyjne…", flush=True)
            load_directory_seed(suite, log=lambda line: print("  " + line, flush=True))
            run_scenario(suite, log=lambda line: print("  " + line, flush=True))
            wait_for_reports(suite)
        suite.close()
        print(f"\nAsysta działa: {processes.web_url} (zaloguj się jako użytkownik demonstracyjny)")
        print("API usług (dokumentacja):")
        for name, url in processes.urls.items():
            print(f"  {name:<10} {url}/docs")
        print(f"  Redis      {processes.redis_url}")
        print(f"  dane i logi: {processes.data_dir.resolve()}")
        print("Tokeny dla API: .venv/bin/python -m suite.launcher tokens")
        print("\nCtrl-C kończy pracę.", flush=True)
        while all(p.poll() is None for p in processes.processes.values()):
            time.sleep(0.5)
        print("Jedna z usług zakończyła działanie; zatrzymuję pozostałe.", file=sys.stderr)
        return 1
    except ProcessExited as exc:
        print(exc.explanation(), file=sys.stderr, flush=True)
        return 1
    except (KeyboardInterrupt, Stopped):
        print("\nZatrzymuję…", flush=True)
        return 0
    finally:
        _ignore_signals()
        redis_url_file.unlink(missing_ok=True)
        processes.stop()


def demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="asysta-demo-"))
    ports = {name: free_port() for name in SERVICES}
    processes = SuiteProcesses(data_dir, ports, os.environ.get("REDIS_URL"))
    try:
        if processes.redis_url:
            os.environ.setdefault("ASYSTA_STREAM_PREFIX", f"demo-{data_dir.name}:")
        processes.start()
        print(f"Usługi uruchomione ({time.monotonic() - started:.1f} s).", flush=True)
        suite = _suite(processes)
        load_directory_seed(suite, log=lambda line: print("  " + line, flush=True))
        run_scenario(suite, log=lambda line: print("  " + line, flush=True))
        reports = wait_for_reports(suite)
        suite.close()
        print()
        for report in reports.values():
            print(format_report(report))
            print()
        analyst = suite.as_(Role.CITY_ANALYST, "*", subject="city-analyst")
        print(format_city(analyst.call("reporting", "GET", "/reports/city").json()))
        print()
        print(f"Demo zakończone w {time.monotonic() - started:.1f} s.")
        return 0
    finally:
        processes.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"Dane i logi zostały w {data_dir}")


def tokens(_args: argparse.Namespace) -> int:
    """Print a bearer token per demo user, for calling the APIs by hand (development only:
    the tokens are signed with the suite's development secret or ASYSTA_JWT_SECRET)."""
    if os.environ.get("ASYSTA_ENV", "development") != "development":
        print("Tokeny demonstracyjne są tylko dla środowiska deweloperskiego.", file=sys.stderr)
        return 1
    urls = {
        name: os.environ.get(f"{name.upper()}_URL", f"http://127.0.0.1:{DEFAULT_PORTS[name]}")
        for name in SERVICES
    }
    suite = Suite(urls=urls, secret=_secret())
    try:
        assistants = demo_assistants(suite)
    except (httpx.HTTPError, ScenarioFailed):
        print(
            "Katalog (directory) nie odpowiada: tokeny asystentów pominięte "
            "(uruchom najpierw `make run`).",
            file=sys.stderr,
        )
        assistants = {}
    finally:
        suite.close()
    print("Tokeny użytkowników demonstracyjnych (nagłówek Authorization: Bearer …):")
    for label, token in demo_tokens(_secret(), assistants).items():
        print(f"  {label}:\n    {token}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="uruchom całą Asystę na tej maszynie")
    run_parser.add_argument("--data-dir", default=".asysta")
    demo_parser = sub.add_parser("demo", help="przeprowadź scenariusz demonstracyjny")
    demo_parser.add_argument("--keep", action="store_true", help="zostaw dane i logi")
    sub.add_parser("tokens", help="wypisz tokeny użytkowników demonstracyjnych (dla API)")
    args = parser.parse_args(argv)
    commands = {"run": run, "demo": demo, "tokens": tokens}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
