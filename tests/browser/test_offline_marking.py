"""Which case files stay on the assistant's device (issue 12): with WEB_OFFLINE_FAMILIES=marked
only those of the families marked "do pracy w terenie" on the field-work page (a mark kept on
the device, sealed, across reloads; unmarking deletes the kept case file), and in either mode
a family that stops being the assistant's (reassigned, closed) leaves the device at the next
sync, its mark with it.

The default web app of the suite runs with "all"; the "marked" test starts a second web app,
with that setting, against the same services."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from suite.embedded_redis import free_port
from suite.scenario import wait_for
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
)
from tests.browser.test_offline_visits import OCHOTA, family_in_work

MARK = "Do pracy w terenie"


@pytest.fixture(scope="module")
def marked_web_url(web_suite: WebSuite) -> Iterator[str]:
    """A second web app on the suite's services, keeping only the marked families' files."""
    processes = web_suite.processes
    port = free_port()
    env = {
        **processes.env,
        "WEB_PORT": str(port),
        **{f"WEB_{name.upper()}_URL": url for name, url in processes.urls.items()},
        "ASYSTA_ENV": "development",
        "WEB_OFFLINE_FAMILIES": "marked",
    }
    with open(web_suite.logs / "web-marked.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.web"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, (web_suite.logs / "web-marked.log").read_text()
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for("the second web app to answer /health", ready, timeout=60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def new_assistant(web: WebSuite, last_name: str) -> str:
    head = web.client().head(OCHOTA)
    assistant = head.call(
        "directory",
        "POST",
        "/assistants",
        json={
            "first_name": "Teresa",
            "last_name": last_name,
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    ).json()
    return str(assistant["assistant_id"])


def open_browser(browser: Browser, profile: Path, *, offline: bool = False) -> BrowserContext:
    ctx = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        env=CHROMIUM_ENV,
        viewport={"width": 1100, "height": 900},
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        offline=offline,
    )
    ctx.set_default_timeout(20_000)
    return ctx


def kept_case_files(page: Page) -> list[str]:
    """The case ids whose case file the service worker keeps on the device."""
    kept: list[str] = page.evaluate(
        """async () => {
            const cache = await caches.open("asysta-pages-v1");
            return (await cache.keys()).map((r) => new URL(r.url).pathname)
                .filter((p) => p.startsWith("/cases/")).map((p) => p.slice("/cases/".length));
        }"""
    )
    return sorted(kept)


def expect_kept(page: Page, case_ids: list[str]) -> None:
    """After the page's sync: these case files, and no other, are on the device."""
    expect(page.locator("#offline-app")).to_have_attribute("data-kept", " ".join(sorted(case_ids)))
    assert kept_case_files(page) == sorted(case_ids)


def section(page: Page, family: str) -> Locator:
    return page.locator("section.offline-family", has_text=family)


def reassign(web: WebSuite, case_id: str, assistant_id: str) -> None:
    head = web.client().head(OCHOTA)

    def assigned() -> bool | None:
        response = head.client("casework").post(
            f"/cases/{case_id}/assignment", json={"assistant_id": assistant_id}
        )
        if response.status_code == 404:
            return None  # the directory's event has not reached casework yet
        assert response.status_code == 200, response.text
        return True

    wait_for("the reassignment", assigned)


def wait_until_not_active(web: WebSuite, assistant_id: str, case_id: str) -> None:
    assistant = web.client().assistant(OCHOTA, assistant_id)

    def gone() -> bool:
        rows = assistant.call(
            "casework", "GET", "/cases", params={"assistant_id": assistant_id, "status": "active"}
        ).json()
        return case_id not in {str(r["case_id"]) for r in rows}

    wait_for("the case to leave the assistant's active list", gone)


def test_with_marked_only_the_marked_families_case_files_open_with_no_network(
    web_suite: WebSuite, marked_web_url: str, browser: Browser
) -> None:
    web, url = web_suite, marked_web_url
    serial = random.randint(800, 849)
    polna, lesna, laka = f"Polna{serial}", f"Leśna{serial}", f"Łąkowa{serial}"
    assistant_id = new_assistant(web, f"Oznaczająca{serial}")
    other_id = new_assistant(web, f"Zastępcza{serial}")
    case_a = family_in_work(web, polna, assistant_id, serial)
    case_b = family_in_work(web, lesna, assistant_id, serial + 50)
    case_c = family_in_work(web, laka, assistant_id, serial + 100)

    ctx = open_browser(browser, Path(tempfile.mkdtemp(prefix="asysta-marking-profile-")))
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    # The development sign-in of the second web app (as conftest's sign_in on the first).
    page.goto(f"{url}/signin")
    page.locator(
        f'form:has(input[name="user"][value^="assistant:{OCHOTA}:{assistant_id}"]) button'
    ).click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{url}/assistant/offline")
    expect(page.locator("#offline-app")).to_have_attribute("data-families", "marked")
    expect(page.locator("#kept-families")).to_contain_text("tylko rodzin oznaczonych")
    expect(page.locator("section.offline-family")).to_have_count(3)
    # Nothing marked yet: no case file is kept ("Moje rodziny" and this page are).
    expect_kept(page, [])
    for family in (polna, lesna, laka):
        expect(section(page, family).get_by_label(MARK, exact=True)).not_to_be_checked()

    # Marking two families keeps their case files at once.
    section(page, polna).get_by_label(MARK, exact=True).check()
    expect_kept(page, [case_a])
    section(page, lesna).get_by_label(MARK, exact=True).check()
    expect_kept(page, [case_a, case_b])
    expect(page.locator("#send-result")).to_contain_text("Akta rodziny są na urządzeniu")
    # The marks are on the device, sealed like the outbox: no case id in clear.
    stored = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("asysta-offline");
            open.onsuccess = () => {
                const all = open.result.transaction("marks").objectStore("marks").getAll();
                all.onsuccess = () => resolve(all.result.map((m) => ({
                    encrypted: m.data instanceof ArrayBuffer, keys: Object.keys(m).sort() })));
            };
        })"""
    )
    assert stored == [{"encrypted": True, "keys": ["data", "iv"]}], stored
    assert serious_violations(page, web) == []
    screenshot(page, "offline-marked")

    # The marks outlive a reload; unmarking deletes the family's kept case file.
    page.reload()
    expect(section(page, polna).get_by_label(MARK, exact=True)).to_be_checked()
    expect(section(page, lesna).get_by_label(MARK, exact=True)).to_be_checked()
    expect(section(page, laka).get_by_label(MARK, exact=True)).not_to_be_checked()
    expect_kept(page, [case_a, case_b])
    section(page, lesna).get_by_label(MARK, exact=True).uncheck()
    expect(page.locator("#send-result")).to_contain_text("usunięto z urządzenia")
    expect_kept(page, [case_a])

    # Offline: the marked family's case file opens; the others' are not on the device.
    ctx.set_offline(True)
    page.goto(f"{url}/assistant")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    expect(page.locator("main")).to_contain_text(laka)
    page.goto(f"{url}/cases/{case_a}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(polna)
    expect(page.locator(".offline-notice")).to_contain_text("stan z ostatniej synchronizacji")
    for case_id, family in ((case_b, lesna), (case_c, laka)):
        page.goto(f"{url}/cases/{case_id}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Brak akt na urządzeniu")
        expect(page.locator("main")).not_to_contain_text(family)
    screenshot(page, "offline-case-file-not-kept")
    page.goto(f"{url}/assistant/offline")
    expect(section(page, polna).get_by_label(MARK, exact=True)).to_be_checked()
    # Marked with no network: kept when the network is back.
    section(page, laka).get_by_label(MARK, exact=True).check()
    expect(page.locator("#send-result")).to_contain_text("gdy wróci sieć")
    screenshot(page, "offline-marked-no-network")
    assert kept_case_files(page) == [case_a]
    ctx.set_offline(False)
    expect_kept(page, [case_a, case_c])

    # The head gives a marked family to another assistant: at the next sync its case file and
    # its mark leave the device.
    reassign(web, case_a, other_id)
    wait_until_not_active(web, assistant_id, case_a)
    page.goto(f"{url}/assistant/offline")
    expect(page.locator("section.offline-family")).to_have_count(2)
    expect_kept(page, [case_c])
    # Given back later, the family comes without the old mark.
    reassign(web, case_a, assistant_id)
    page.reload()
    expect(page.locator("section.offline-family")).to_have_count(3)
    expect(page.locator("#offline-app")).to_have_attribute("data-synced", "yes")
    expect(section(page, polna).get_by_label(MARK, exact=True)).not_to_be_checked()
    expect(section(page, laka).get_by_label(MARK, exact=True)).to_be_checked()
    expect_kept(page, [case_c])
    ctx.close()


def test_a_family_no_longer_the_assistants_leaves_the_device_at_the_next_sync(
    web_suite: WebSuite, browser: Browser
) -> None:
    """The default setting ("all"): every active family's case file is kept, none is marked;
    a family reassigned or closed is deleted from the device."""
    web = web_suite
    serial = random.randint(850, 899)
    sosnowa, brzozowa, debowa = f"Sosnowa{serial}", f"Brzozowa{serial}", f"Dębowa{serial}"
    assistant_id = new_assistant(web, f"Wszystkie{serial}")
    other_id = new_assistant(web, f"Inna{serial}")
    moved = family_in_work(web, sosnowa, assistant_id, serial + 100)
    closed = family_in_work(web, brzozowa, assistant_id, serial + 150)
    staying = family_in_work(web, debowa, assistant_id, serial + 200)

    ctx = open_browser(browser, Path(tempfile.mkdtemp(prefix="asysta-all-profile-")))
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    sign_in(page, web, f"assistant:{OCHOTA}:{assistant_id}")
    page.goto(f"{web.web_url}/assistant/offline")
    expect(page.locator("#offline-app")).to_have_attribute("data-families", "all")
    expect(page.locator("#kept-families")).to_contain_text("wszystkich Twoich aktywnych rodzin")
    expect(page.locator(".field-work-mark")).to_have_count(0)
    expect_kept(page, [moved, closed, staying])

    head = web.client().head(OCHOTA)
    reassign(web, moved, other_id)
    head.call("casework", "POST", f"/cases/{closed}/closure", json={"reason": "goals_achieved"})
    wait_until_not_active(web, assistant_id, moved)
    wait_until_not_active(web, assistant_id, closed)

    # Opened online before any sync, a case file the services now refuse is deleted at once.
    response = page.goto(f"{web.web_url}/cases/{moved}")
    assert response is not None and response.status in (403, 404), response
    assert moved not in kept_case_files(page)

    # The next sync deletes whatever is no longer the assistant's.
    page.goto(f"{web.web_url}/assistant/offline")
    expect(page.locator("section.offline-family")).to_have_count(1)
    expect_kept(page, [staying])

    ctx.set_offline(True)
    page.goto(f"{web.web_url}/assistant")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    expect(page.locator("main")).to_contain_text(debowa)
    expect(page.locator("main")).not_to_contain_text(sosnowa)
    page.goto(f"{web.web_url}/cases/{staying}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(debowa)
    for case_id, family in ((moved, sosnowa), (closed, brzozowa)):
        page.goto(f"{web.web_url}/cases/{case_id}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Brak akt na urządzeniu")
        expect(page.locator("main")).not_to_contain_text(family)
    screenshot(page, "offline-family-left-device")
    ctx.close()
