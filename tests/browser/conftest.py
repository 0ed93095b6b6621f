"""The suite as processes on PostgreSQL and Redis (as tests/e2e runs it), with the web app,
driven by Playwright through Debian's Chromium (/usr/bin/chromium; never `playwright
install`). Screenshots of each main screen are kept under .asysta/artefacts/screenshots."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from suite.embedded_redis import free_port
from suite.processes import SERVICES, SuiteProcesses
from suite.scenario import load_directory_seed, run_scenario
from tests.conftest import PG_HOST_URL, REDIS_URL, create_pg_database, drop_pg_database
from tests.e2e.conftest import RunningSuite

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium on Linux takes its own language (the format of a date input: dd.mm.rrrr) from
# LANGUAGE, with the Polish resources of Debian's chromium-l10n; the pages' language and time
# zone come from each context (pl-PL, Europe/Warsaw).
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "pl"}
POLISH_RESOURCES = Path("/usr/lib/chromium/locales/pl.pak")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".asysta" / "artefacts" / "screenshots"
AXE = "/static/vendor/axe-4.14.1.min.js"


class WebSuite(RunningSuite):
    def __init__(self, processes: SuiteProcesses, prefix: str, secret: str, demo: dict[str, Any]):
        super().__init__(processes, prefix, secret)
        self.web_url = str(processes.web_url)
        self.demo = demo


# Package scope: the suite stops when the browser tests end, before other packages' tests.
@pytest.fixture(scope="package")
def web_suite() -> Iterator[WebSuite]:
    databases = {name: asyncio.run(create_pg_database()) for name in SERVICES}
    prefix = f"web{uuid.uuid4().hex[:8]}:"
    data_dir = Path(tempfile.mkdtemp(prefix="asysta-browser-"))
    secret = secrets.token_urlsafe(32)
    processes = SuiteProcesses(
        data_dir,
        {name: free_port() for name in SERVICES},
        REDIS_URL,
        database_urls={name: f"{PG_HOST_URL}/{db}" for name, db in databases.items()},
        separate_workers={"casework": 1, "reporting": 1},
        extra_env={
            "ASYSTA_STREAM_PREFIX": prefix,
            "ASYSTA_ENV": "test",
            "ASYSTA_JWT_SECRET": secret,
            "ASYSTA_CLAIM_IDLE_MS": "2000",
        },
        web_port=free_port(),
        # The web app in development mode (its demo sign-in page), signing tokens with the
        # suite's secret: the services themselves run as in the other end-to-end tests.
        web_env={"ASYSTA_ENV": "development"},
    )
    try:
        processes.start()
        suite = WebSuite(processes, prefix, secret, {})
        client = suite.client()
        load_directory_seed(client, log=lambda _line: None)
        suite.demo = run_scenario(client, log=lambda _line: None)
        client.close()
        yield suite
    finally:
        processes.stop()
        for db in databases.values():
            asyncio.run(drop_pg_database(db))
        client_redis = sync_redis.Redis.from_url(REDIS_URL)
        keys = list(client_redis.scan_iter(match=f"{prefix}*"))
        if keys:
            client_redis.delete(*keys)
        client_redis.close()
        if os.environ.get("ASYSTA_E2E_KEEP"):
            print(f"\nBrowser-test logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# Module scope: Playwright's sync API runs an event loop while it is open, and other tests
# (and this package's fixtures) call asyncio.run(), which refuses to run inside one.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    assert POLISH_RESOURCES.exists(), "install Chromium's Polish: apt-get install -y chromium-l10n"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=CHROMIUM_ENV
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="pl-PL", timezone_id="Europe/Warsaw"
    )
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


def sign_in(page: Page, web: WebSuite, user_key: str) -> None:
    """Sign in on the development page as the demo user whose key starts with `user_key`
    (e.g. "head:1465068", "assistant:1465068:", "school")."""
    page.goto(f"{web.web_url}/signin")
    page.locator(f'form:has(input[name="user"][value^="{user_key}"]) button').first.click()
    page.wait_for_load_state("domcontentloaded")


def sign_in_as_assistant(page: Page, web: WebSuite, name: str) -> None:
    page.goto(f"{web.web_url}/signin")
    page.get_by_role("button", name=re.compile(name)).first.click()
    page.wait_for_load_state("domcontentloaded")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Page, web: WebSuite) -> list[dict[str, Any]]:
    """axe-core (served by the web app from the repo) on the current page: the serious and
    critical violations of WCAG 2.1 A and AA."""
    page.add_script_tag(url=f"{web.web_url}{AXE}")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
