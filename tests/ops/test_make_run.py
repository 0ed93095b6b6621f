"""`make run` (python -m suite.launcher run) as an operator or a supervisor meets it: a taken
port or a database that cannot be opened is one Polish line with what to do, before anything
starts or is printed as running; SIGTERM stops every process it started (services, web app,
embedded Redis) as Ctrl-C does, and removes the `redis-url` file the CLI finds Redis by."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from suite.embedded_redis import free_port
from suite.scenario import wait_for

SERVICES = ("REFERRALS", "CASEWORK", "DIRECTORY", "REPORTING")


def launcher_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_DATABASE_URL", "_PORT"))}
    env.pop("REDIS_URL", None)  # as on a developer's machine: the embedded Redis
    env.update({f"{name}_PORT": str(free_port()) for name in SERVICES})
    env["WEB_PORT"] = str(free_port())
    env.update(extra)
    return env


def launch(data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "suite.launcher", "run", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_taken_port_is_one_polish_line_and_nothing_starts(
    tmp_path: Path, taken_port: int
) -> None:
    finished = launch(tmp_path, launcher_env(CASEWORK_PORT=str(taken_port)))
    assert finished.returncode == 2
    assert finished.stdout == ""  # nothing said to be running, not even the address
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith(f"Port {taken_port} usługi casework jest zajęty"), lines
    assert "CASEWORK_PORT" in lines[0]
    assert not (tmp_path / "redis").exists() and not (tmp_path / "logs").exists()


def test_the_web_apps_port_taken_names_web_port(tmp_path: Path, taken_port: int) -> None:
    finished = launch(tmp_path, launcher_env(WEB_PORT=str(taken_port)))
    assert finished.returncode == 2
    assert finished.stderr.strip() == (
        f"Port {taken_port} aplikacji webowej jest zajęty (127.0.0.1): zatrzymaj program, "
        "który go używa (np. poprzednie `make run`), albo ustaw WEB_PORT na inny."
    )


def test_a_database_that_cannot_be_opened_is_one_polish_line(tmp_path: Path) -> None:
    (tmp_path / "directory.db").write_bytes(b"to nie jest baza danych " * 100)
    finished = launch(tmp_path, launcher_env())
    assert finished.returncode == 2
    assert finished.stdout == ""
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith("Nie mogę otworzyć bazy usługi directory"), lines
    assert "DIRECTORY_DATABASE_URL" in lines[0]
    assert not (tmp_path / "logs").exists()


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (the launcher starts each in a session of its own)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_sigterm_stops_every_process_and_removes_the_redis_url_file(tmp_path: Path) -> None:
    redis_url_file = tmp_path / "redis-url"
    stale = "redis://127.0.0.1:1/0\n"  # left by a run that was SIGKILLed
    redis_url_file.write_text(stale)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "suite.launcher", "run", "--data-dir", str(tmp_path)],
        env=launcher_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Every process is up when the launcher writes the embedded Redis's URL.
        wait_for(
            "the launcher to write the embedded Redis's URL",
            lambda: redis_url_file.is_file() and redis_url_file.read_text() != stale,
            timeout=180,
        )
        children = children_of(launcher.pid)
        # Four services, the web app and redis-server.
        assert len(children) == 6, children
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 0
        wait_for(
            "every process of the suite to end",
            lambda: not any(running(pid) for pid in children),
            timeout=30,
        )
        assert not redis_url_file.exists()
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
