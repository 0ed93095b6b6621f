"""`make run` (python -m suite.launcher run) prints the web app's address as its first line,
before anything else; Ctrl-C during the start stops what was started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

from suite.embedded_redis import free_port
from tests.conftest import REDIS_URL


def test_the_first_line_is_the_web_apps_address() -> None:
    web_port = free_port()
    env = {
        **os.environ,
        "WEB_PORT": str(web_port),
        "REDIS_URL": REDIS_URL,
        "ASYSTA_STREAM_PREFIX": f"runline{web_port}:",
        **{f"{name}_PORT": str(free_port()) for name in ("REFERRALS", "CASEWORK", "DIRECTORY")},
        "REPORTING_PORT": str(free_port()),
    }
    with tempfile.TemporaryDirectory() as data_dir:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "suite.launcher", "run", "--data-dir", data_dir],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert launcher.stdout is not None
            first = launcher.stdout.readline()
        finally:
            launcher.send_signal(signal.SIGINT)
            launcher.wait(timeout=60)
    assert first.startswith(f"Asysta w przeglądarce: http://127.0.0.1:{web_port}")
