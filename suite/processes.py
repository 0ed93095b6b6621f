"""Starting and stopping the suite's processes: one per service ("all" mode) on one machine,
or API and worker apart (as in deployment), against SQLite files or given database URLs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import IO

import httpx

from shared.messaging.streams import consuming_services
from shared.runtime.database import open_problem
from shared.runtime.main import port_problem
from suite.embedded_redis import EmbeddedRedis
from suite.scenario import wait_for

SERVICES = ("directory", "referrals", "casework", "reporting")
DEFAULT_PORTS = {"referrals": 8001, "casework": 8002, "directory": 8003, "reporting": 8004}
WEB = "web"  # the web app: started after the services, a client of their APIs
WEB_DEFAULT_PORT = 8000


class ProcessExited(RuntimeError):
    """A process of the suite ended while the suite was starting."""

    def __init__(self, name: str, code: int | None, log_path: Path) -> None:
        self.name, self.code, self.log_path = name, code, log_path
        super().__init__(f"{name} exited with code {code}; see {log_path}")

    def explanation(self) -> str:
        """One Polish line: the process's own last words when it said why (a service that
        cannot start says so in one line, see shared.runtime.main.preflight), else where to
        look."""
        last = ""
        with suppress(OSError):
            lines = [x for x in self.log_path.read_text(errors="replace").splitlines() if x]
            last = lines[-1] if lines else ""
        if self.code == 3 and last and not last.startswith("{"):
            return last
        return f"{self.name} nie wystartował (kod wyjścia {self.code}): szczegóły w {self.log_path}"


def start_problem(
    ports: dict[str, int], web_port: int | None, database_urls: dict[str, str]
) -> str | None:
    """Why the suite cannot start, in one Polish line with what to do (a port taken, a
    database that cannot be opened), checked before anything starts; None if nothing is."""
    wanted = [(f"usługi {name}", port, f"{name.upper()}_PORT") for name, port in ports.items()]
    if web_port:
        wanted.insert(0, ("aplikacji webowej", web_port, "WEB_PORT"))
    for who, port, variable in wanted:
        problem = port_problem("127.0.0.1", port, who, variable)
        if problem is not None:
            return problem

    async def databases() -> str | None:
        for name, url in database_urls.items():
            problem = await open_problem(name, url)
            if problem is not None:
                return problem
        return None

    return asyncio.run(databases())


class SuiteProcesses:
    def __init__(
        self,
        data_dir: Path,
        ports: dict[str, int],
        redis_url: str | None,
        *,
        database_urls: dict[str, str] | None = None,
        separate_workers: dict[str, int] | None = None,
        api_workers: dict[str, int] | None = None,
        extra_env: dict[str, str] | None = None,
        web_port: int | None = None,
        web_env: dict[str, str] | None = None,
    ) -> None:
        """`separate_workers` maps a service to how many worker processes to run beside its
        API (the API then runs without subscriptions); others run API and worker together.
        `api_workers` maps a service among those to how many processes serve its API's port
        (ASYSTA_API_WORKERS: one `api` command, which forks them)."""
        self.data_dir = data_dir
        self.ports = ports
        self.redis: EmbeddedRedis | None = None
        self.redis_url = redis_url
        self.database_urls = database_urls or {}
        self.separate_workers = separate_workers or {}
        # Who consumes what is declared once, in shared.messaging.streams.
        idle = set(self.separate_workers) - set(consuming_services())
        if idle:
            raise ValueError(f"these services consume no stream: {', '.join(sorted(idle))}")
        self.api_workers = api_workers or {}
        alone = {name for name, n in self.api_workers.items() if n > 1} - set(self.separate_workers)
        if alone:
            raise ValueError(
                f"several API processes need separate workers: {', '.join(sorted(alone))}"
            )
        self.extra_env = extra_env or {}
        self.web_port = web_port
        self.web_env = web_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        self._env: dict[str, str] = {}

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    @property
    def web_url(self) -> str | None:
        return f"http://127.0.0.1:{self.web_port}" if self.web_port else None

    def service_database_urls(self) -> dict[str, str]:
        """Each service's database: given, from the environment, or a file in data_dir."""
        urls = {}
        for name in SERVICES:
            default_db = f"sqlite+aiosqlite:///{self.data_dir / (name + '.db')}"
            urls[name] = self.database_urls.get(
                name,
                self.extra_env.get(f"{name.upper()}_DATABASE_URL")
                or os.environ.get(f"{name.upper()}_DATABASE_URL", default_db),
            )
        return urls

    def start_problem(self) -> str | None:
        """What would stop the suite from starting (one Polish line), checked first."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return (
                f"Nie mogę utworzyć katalogu danych {self.data_dir}: {exc.strerror}. Wskaż inny "
                "(--data-dir) albo nadaj prawa zapisu."
            )
        return start_problem(self.ports, self.web_port, self.service_database_urls())

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        if not self.redis_url:
            self.redis = EmbeddedRedis(self.data_dir / "redis")
            self.redis.start()
            self.redis_url = self.redis.url
        env = {
            **os.environ,
            **self.extra_env,
            "REDIS_URL": self.redis_url,
            "ASYSTA_ENV": os.environ.get("ASYSTA_ENV", "development"),
            "ASYSTA_LOG_JSON": "true",
            "REFERRALS_URL": self.urls["referrals"],
            "CASEWORK_URL": self.urls["casework"],
            "DIRECTORY_URL": self.urls["directory"],
        }
        for name, url in self.service_database_urls().items():
            env[f"{name.upper()}_DATABASE_URL"] = url
            env[f"{name.upper()}_PORT"] = str(self.ports[name])
        self._env = env
        for name in SERVICES:
            workers = self.separate_workers.get(name, 0)
            self.spawn(name, name, "api" if workers else "all", self._api_env(name))
            for i in range(workers):
                self.start_worker(name, i)
        for name in SERVICES:
            wait_for(f"{name} to answer /ready", partial(self._ready, name), timeout=60)
        if self.web_port:
            self.start_web()

    def start_web(self) -> None:
        """The web app, pointed at this suite's APIs."""
        env = {
            **self._env,
            "WEB_PORT": str(self.web_port),
            **{f"WEB_{name.upper()}_URL": url for name, url in self.urls.items()},
            **self.web_env,
        }
        log_file = open(self.data_dir / "logs" / f"{WEB}.log", "ab")  # noqa: SIM115
        self._logs.append(log_file)
        self.processes[WEB] = subprocess.Popen(
            [sys.executable, "-m", "services.web"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for("the web app to answer /health", self._web_ready, timeout=60)

    def _web_ready(self) -> bool:
        process = self.processes[WEB]
        if process.poll() is not None:
            raise ProcessExited(WEB, process.returncode, self.data_dir / "logs" / f"{WEB}.log")
        with suppress(httpx.HTTPError):
            return httpx.get(f"{self.web_url}/health", timeout=2).status_code == 200
        return False

    def _api_env(self, service: str) -> dict[str, str]:
        workers = self.api_workers.get(service)
        return {"ASYSTA_API_WORKERS": str(workers)} if workers else {}

    @property
    def env(self) -> dict[str, str]:
        """The environment the services run with (for one-off commands such as a rebuild)."""
        return dict(self._env)

    def start_worker(self, service: str, index: int) -> str:
        """Start (or restart) worker `index` of a service, under a stable consumer name."""
        key = f"{service}-worker-{index}"
        self.spawn(key, service, "worker", {"ASYSTA_CONSUMER_NAME": key})
        return key

    def spawn(self, key: str, service: str, mode: str, env: dict[str, str] | None = None) -> None:
        """Start one more process of a service (`mode`: api, worker or all), with settings
        on top of the suite's."""
        log_file = open(self.data_dir / "logs" / f"{key}.log", "ab")  # noqa: SIM115
        self._logs.append(log_file)
        self.processes[key] = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", mode],
            env={**self._env, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def restart(self, key: str, extra_env: dict[str, str]) -> None:
        """Stop one process gracefully and start it again with more settings (e.g. a clock
        shifted into the future); waits until an API answers /ready again."""
        process = self.processes[key]
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        service, _, rest = key.partition("-worker-")
        mode = "worker" if rest else ("api" if self.separate_workers.get(service) else "all")
        env = dict(extra_env)
        if rest:
            env["ASYSTA_CONSUMER_NAME"] = key
        else:
            env = {**self._api_env(service), **env}
        self.spawn(key, service, mode, env)
        if not rest:
            wait_for(f"{key} to answer /ready", partial(self._ready, key), timeout=60)

    def kill(self, key: str) -> None:
        """Kill a process the hard way (SIGKILL), as a crash would: with the API processes it
        forked, if any (its process group)."""
        process = self.processes[key]
        _kill_group(process)
        process.wait()

    def ready(self, name: str) -> bool:
        return self._ready(name)

    def _ready(self, name: str) -> bool:
        process = self.processes[name]
        if process.poll() is not None:
            raise ProcessExited(name, process.returncode, self.data_dir / "logs" / f"{name}.log")
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
                _kill_group(process)
        for log_file in self._logs:
            log_file.close()
        if self.redis:
            self.redis.stop()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and its process group (started with start_new_session, so the group
    is its own: an API's forked processes)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        process.kill()
