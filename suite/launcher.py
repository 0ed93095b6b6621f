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
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import IO

import httpx

from shared.auth import Role, issue_token
from shared.settings import DEVELOPMENT_JWT_SECRET
from suite.demo_data import MOKOTOW, OCHOTA, WOLA
from suite.embedded_redis import EmbeddedRedis, free_port
from suite.scenario import Suite, format_report, run_scenario, wait_for, wait_for_reports

SERVICES = ("directory", "referrals", "casework", "reporting")
DEFAULT_PORTS = {"referrals": 8001, "casework": 8002, "directory": 8003, "reporting": 8004}


class SuiteProcesses:
    def __init__(self, data_dir: Path, ports: dict[str, int], redis_url: str | None) -> None:
        self.data_dir = data_dir
        self.ports = ports
        self.redis: EmbeddedRedis | None = None
        self.redis_url = redis_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        if not self.redis_url:
            self.redis = EmbeddedRedis(self.data_dir / "redis")
            self.redis.start()
            self.redis_url = self.redis.url
        env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "ASYSTA_ENV": os.environ.get("ASYSTA_ENV", "development"),
            "ASYSTA_LOG_JSON": "true",
            "REFERRALS_URL": self.urls["referrals"],
            "CASEWORK_URL": self.urls["casework"],
            "DIRECTORY_URL": self.urls["directory"],
        }
        for name in SERVICES:
            prefix = name.upper()
            env.setdefault(
                f"{prefix}_DATABASE_URL", f"sqlite+aiosqlite:///{self.data_dir / (name + '.db')}"
            )
            env[f"{prefix}_PORT"] = str(self.ports[name])
        for name in SERVICES:
            log_file = open(self.data_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115
            self._logs.append(log_file)
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}", "all"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for name in SERVICES:
            wait_for(f"{name} to answer /ready", lambda name=name: self._ready(name), timeout=60)

    def _ready(self, name: str) -> bool:
        process = self.processes[name]
        if process.poll() is not None:
            raise RuntimeError(
                f"{name} exited with code {process.returncode}; see "
                f"{self.data_dir / 'logs' / (name + '.log')}"
            )
        with suppress(httpx.HTTPError):
            return httpx.get(f"{self.urls[name]}/ready", timeout=2).status_code == 200
        return False

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            if process.poll() is None:
                process.kill()
        for log_file in self._logs:
            log_file.close()
        if self.redis:
            self.redis.stop()


def demo_tokens(secret: str) -> dict[str, str]:
    users = {
        "kierownik Ochota (head)": ("head-ochota", Role.HEAD, [OCHOTA]),
        "kierownik Mokotów (head)": ("head-mokotow", Role.HEAD, [MOKOTOW]),
        "pracownik socjalny Wola (social_worker)": ("sw-wola", Role.SOCIAL_WORKER, [WOLA]),
        "asystent Ochota (assistant)": ("assistant-ochota", Role.ASSISTANT, [OCHOTA]),
        "analityk miasta (city_analyst)": ("city", Role.CITY_ANALYST, ["*"]),
        "administrator (admin)": ("admin", Role.ADMIN, ["*"]),
    }
    return {
        label: issue_token(secret, subject=subject, role=role, districts=districts)
        for label, (subject, role, districts) in users.items()
    }


def _secret() -> str:
    return os.environ.get("ASYSTA_JWT_SECRET") or DEVELOPMENT_JWT_SECRET


def _admin_suite(processes: SuiteProcesses) -> Suite:
    token = issue_token(_secret(), subject="demo-loader", role=Role.ADMIN, districts=["*"])
    return Suite(urls=processes.urls, token=token)


def _is_empty(suite: Suite) -> bool:
    response = suite.client("directory").get("/assistants", params={"district": OCHOTA})
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
        suite = _admin_suite(processes)
        if _is_empty(suite):
            print("Pusta baza: wczytuję dane demonstracyjne…", flush=True)
            run_scenario(suite, log=lambda line: print("  " + line, flush=True))
            wait_for_reports(suite)
        suite.close()
        print("\nAsysta działa.")
        for name, url in processes.urls.items():
            print(f"  {name:<10} {url}/docs")
        print(f"  Redis      {processes.redis_url}")
        print(f"  dane i logi: {processes.data_dir.resolve()}")
        print("\nTokeny użytkowników demonstracyjnych (nagłówek Authorization: Bearer …):")
        for label, token in demo_tokens(_secret()).items():
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
        suite = _admin_suite(processes)
        run_scenario(suite, log=lambda line: print("  " + line, flush=True))
        reports = wait_for_reports(suite)
        suite.close()
        print()
        for report in reports.values():
            print(format_report(report))
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
