"""`make run` and `make demo`: the whole suite on one machine.

run:  every service (API, relay and worker in one process each) on SQLite files under
      .asysta/, Redis from REDIS_URL or an embedded redis-server; demo data on an empty start;
      prints the URLs and a token per demo user; runs until Ctrl-C.
demo: the same on a fresh temporary directory and free ports; drives the scenario, prints the
      caseload reports, stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from shared.runtime.settings import DEVELOPMENT_JWT_SECRET
from shared.web.auth import Role, issue_token
from suite.demo_data import MOKOTOW, OCHOTA, WOLA
from suite.embedded_redis import free_port
from suite.processes import DEFAULT_PORTS, SERVICES, SuiteProcesses
from suite.scenario import (
    Suite,
    format_city,
    format_report,
    load_directory_seed,
    run_scenario,
    wait_for_reports,
)


def demo_tokens(secret: str, assistant_id: str | None) -> dict[str, str]:
    """A token per demo user; the assistant's names them (`sub` is their assistant id)."""
    users = {
        "kierownik Ochota (head)": ("head-ochota", Role.HEAD, [OCHOTA]),
        "kierownik Mokotów (head)": ("head-mokotow", Role.HEAD, [MOKOTOW]),
        "pracownik socjalny Wola (social_worker)": ("sw-wola", Role.SOCIAL_WORKER, [WOLA]),
        "asystent Ochota (assistant)": (
            assistant_id or "assistant-ochota",
            Role.ASSISTANT,
            [OCHOTA],
        ),
        "szkoła, REGON 123456785 (school)": ("123456785", Role.SCHOOL, [OCHOTA]),
        "sąd rejonowy (court)": ("SR-Warszawa-Ochota", Role.COURT, ["*"]),
        "analityk miasta (city_analyst)": ("city", Role.CITY_ANALYST, ["*"]),
        "administrator (admin)": ("admin", Role.ADMIN, ["*"]),
    }
    return {
        label: issue_token(secret, subject=subject, role=role, districts=districts)
        for label, (subject, role, districts) in users.items()
    }


def _first_assistant(suite: Suite) -> str | None:
    assistants = (
        suite.head(OCHOTA)
        .call("directory", "GET", "/assistants", params={"district": OCHOTA})
        .json()
    )
    return str(assistants[0]["assistant_id"]) if assistants else None


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


def run(args: argparse.Namespace) -> int:
    ports = {
        name: int(os.environ.get(f"{name.upper()}_PORT", DEFAULT_PORTS[name])) for name in SERVICES
    }
    processes = SuiteProcesses(Path(args.data_dir), ports, os.environ.get("REDIS_URL"))
    print("Uruchamiam Asystę…", flush=True)
    try:
        processes.start()
        # `asysta` (the operator's command line) finds the embedded Redis here.
        (Path(args.data_dir) / "redis-url").write_text(f"{processes.redis_url}\n")
        suite = _suite(processes)
        if _is_empty(suite):
            print("Pusta baza: wczytuję dane demonstracyjne…", flush=True)
            load_directory_seed(suite, log=lambda line: print("  " + line, flush=True))
            run_scenario(suite, log=lambda line: print("  " + line, flush=True))
            wait_for_reports(suite)
        assistant_id = _first_assistant(suite)
        suite.close()
        print("\nAsysta działa.")
        for name, url in processes.urls.items():
            print(f"  {name:<10} {url}/docs")
        print(f"  Redis      {processes.redis_url}")
        print(f"  dane i logi: {processes.data_dir.resolve()}")
        print("\nTokeny użytkowników demonstracyjnych (nagłówek Authorization: Bearer …):")
        for label, token in demo_tokens(_secret(), assistant_id).items():
            print(f"  {label}:\n    {token}")
        print("\nCtrl-C kończy pracę.", flush=True)
        while all(p.poll() is None for p in processes.processes.values()):
            time.sleep(0.5)
        print("Jedna z usług zakończyła działanie; zatrzymuję pozostałe.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nZatrzymuję…")
        return 0
    finally:
        (Path(args.data_dir) / "redis-url").unlink(missing_ok=True)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="uruchom całą Asystę na tej maszynie")
    run_parser.add_argument("--data-dir", default=".asysta")
    demo_parser = sub.add_parser("demo", help="przeprowadź scenariusz demonstracyjny")
    demo_parser.add_argument("--keep", action="store_true", help="zostaw dane i logi")
    args = parser.parse_args(argv)
    return run(args) if args.command == "run" else demo(args)


if __name__ == "__main__":
    sys.exit(main())
