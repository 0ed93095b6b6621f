"""Offline home visits, in the browser (issue 12): an assistant loads the field-work page,
goes offline, reloads it, logs three visits and a consent (and a visit to a family whose case
the head closes meanwhile), closes the browser and opens it again offline (everything still
waits), then goes online with two tabs open, which both send the same outbox at once: each
record has one effect, the case file and the operational report show each visit once, and the
visit to the closed case waits "do wyjaśnienia" until the head applies it to the reopened case.

The test's timeline (what was logged offline, what arrived, what went to review) is written to
.asysta/artefacts/offline-timeline.txt."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from services.web.catalogue import label
from suite.demo_data import pesel
from suite.scenario import Suite, wait_for
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    SCREENSHOTS,
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
)

OCHOTA = "1465068"
TIMELINE = SCREENSHOTS.parent / "offline-timeline.txt"


class Timeline:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.lines: list[str] = []

    def __call__(self, what: str) -> None:
        line = f"+{time.monotonic() - self.start:6.1f}s  {what}"
        self.lines.append(line)
        print(line)

    def save(self) -> None:
        TIMELINE.parent.mkdir(parents=True, exist_ok=True)
        TIMELINE.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def family_in_work(web: WebSuite, surname: str, assistant_id: str, serial: int) -> str:
    """A family of Ochota, granted and assigned to the assistant (no consent yet)."""
    suite = web.client()
    worker, head = suite.social_worker(OCHOTA), suite.head(OCHOTA)
    referral = worker.call(
        "referrals",
        "POST",
        "/referrals",
        json={
            "district": OCHOTA,
            "source": "family",
            "reason": "Rodzina prosi o pomoc w prowadzeniu domu.",
            "members": [
                {
                    "role": "parent",
                    "first_name": "Anna",
                    "last_name": surname,
                    "pesel": pesel(date(1990, 4, 4), serial, female=True),
                }
            ],
        },
    ).json()
    head.call(
        "referrals",
        "POST",
        f"/referrals/{referral['referral_id']}/decision",
        json={"decision": "granted", "reason": ""},
    )

    def case_id() -> str | None:
        rows = head.call(
            "casework", "GET", "/cases", params={"referral_id": referral["referral_id"]}
        ).json()
        return rows[0]["case_id"] if rows else None

    found: str = wait_for(f"the case of {surname}", case_id)

    def assigned() -> bool | None:
        response = head.client("casework").post(
            f"/cases/{found}/assignment", json={"assistant_id": assistant_id}
        )
        if response.status_code == 404:
            return None  # the directory's event has not reached casework yet
        assert response.status_code == 200, response.text
        return True

    wait_for(f"the assignment of {surname}", assigned)
    return found


def fill_visit(page: Page, family: str, minutes: str, note: str) -> None:
    section = page.locator("section.offline-family", has_text=family)
    section.locator("details", has=page.locator("form[data-kind=visit]")).evaluate(
        "details => { details.open = true; }"
    )
    form = section.locator("form[data-kind=visit]")
    form.get_by_label("Czas trwania (minuty)").fill(minutes)
    form.get_by_label(label("visit_topic", "budget")).check()
    form.get_by_label("Notatka").fill(note)
    form.get_by_role("button", name="Zapisz wizytę").click()


def waiting(page: Page) -> str:
    return str(page.locator("#outbox-count").inner_text())


def test_visits_logged_offline_arrive_once_and_a_closed_case_goes_to_review(
    web_suite: WebSuite, browser: Browser, context: BrowserContext
) -> None:
    web, log = web_suite, Timeline()
    suite: Suite = web.client()
    head = suite.head(OCHOTA)
    serial = random.randint(600, 699)
    polna, lesna = f"Polna{serial}", f"Leśna{serial}"
    assistant = head.call(
        "directory",
        "POST",
        "/assistants",
        json={
            "first_name": "Teresa",
            "last_name": f"Terenowa{serial}",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    ).json()
    assistant_id = assistant["assistant_id"]
    case_a = family_in_work(web, polna, assistant_id, serial)
    case_b = family_in_work(web, lesna, assistant_id, serial + 50)
    log(f"setup: families {polna} (case {case_a[:8]}) and {lesna} (case {case_b[:8]}) assigned")

    profile = Path(tempfile.mkdtemp(prefix="asysta-offline-profile-"))

    def open_browser(offline: bool) -> BrowserContext:
        ctx = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            env=CHROMIUM_ENV,  # Polish date and time fields, as in the other browser tests
            viewport={"width": 1100, "height": 900},
            locale="pl-PL",
            timezone_id="Europe/Warsaw",
            offline=offline,
        )
        ctx.set_default_timeout(20_000)
        return ctx

    # 1. Online: sign in, open "Praca w terenie"; the page syncs the families' case files.
    ctx = open_browser(offline=False)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    sign_in(page, web, f"assistant:{OCHOTA}:{assistant_id}")
    page.goto(f"{web.web_url}/assistant/offline")
    expect(page.locator("#offline-app")).to_have_attribute("data-synced", "yes")
    expect(page.locator("section.offline-family")).to_have_count(2)
    kept = page.evaluate(
        """async (path) => {
            const cache = await caches.open("asysta-pages-v1");
            const stored = await cache.match(new URL(path, location.href).href);
            const bytes = new Uint8Array(await stored.arrayBuffer());
            return { sealed: stored.headers.get("X-Asysta-Sealed"),
                     text: new TextDecoder("utf-8", { fatal: false }).decode(bytes) };
        }""",
        f"/cases/{case_a}",
    )
    # The kept case file is sealed with the device key: the family's name is not readable.
    assert kept["sealed"] == "AES-GCM" and polna not in kept["text"]
    assert serious_violations(page, web) == []
    screenshot(page, "offline-online")
    log("online: field-work page loaded, families and case files kept on the device")

    # 2. Offline: the page reloads from the device.
    ctx.set_offline(True)
    page.reload()
    expect(page.locator("#net-status")).to_contain_text("Brak sieci")
    expect(page.locator("section.offline-family")).to_have_count(2)
    page.goto(f"{web.web_url}/assistant")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    expect(page.locator("main")).to_contain_text(polna)
    page.goto(f"{web.web_url}/cases/{case_a}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(polna)
    expect(page.locator(".offline-notice")).to_contain_text("stan z ostatniej synchronizacji")
    screenshot(page, "offline-case-file-from-device")
    page.goto(f"{web.web_url}/assistant/offline")
    log("offline: 'Moje rodziny', the case file and the field-work page reloaded from the device")

    # Meanwhile, the head closes the second family's case.
    head.call("casework", "POST", f"/cases/{case_b}/closure", json={"reason": "goals_achieved"})
    log(f"server: the head closed the case of {lesna} while the assistant was offline")

    # 3. Offline: three visits and a consent for one family, a visit for the other.
    for n, minutes in enumerate(("45", "60", "30"), start=1):
        fill_visit(page, polna, minutes, f"Wizyta {n} bez sieci")
        expect(page.locator("#outbox-count")).to_have_text(str(n))
    section = page.locator("section.offline-family", has_text=polna)
    section.locator("summary", has_text="Zgoda").click()
    section.get_by_label("Kto podpisał").fill(f"Anna {polna}")
    section.get_by_role("button", name="Zapisz zgodę").click()
    expect(page.locator("#outbox-count")).to_have_text("4")
    fill_visit(page, lesna, "50", "Wizyta u rodziny po zamknięciu sprawy")
    expect(page.locator("#outbox-count")).to_have_text("5")
    screenshot(page, "offline-five-waiting")
    log(f"offline: logged 3 visits + 1 consent ({polna}) and 1 visit ({lesna}); waiting: 5")
    stored = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("asysta-offline");
            open.onsuccess = () => {
                const all = open.result.transaction("outbox").objectStore("outbox").getAll();
                all.onsuccess = () => resolve(all.result.map((i) => ({
                    kind: i.kind, encrypted: i.data instanceof ArrayBuffer,
                    keys: Object.keys(i).sort() })));
            };
        })"""
    )
    assert len(stored) == 5 and all(s["encrypted"] for s in stored)
    assert all("note" not in s["keys"] for s in stored)  # the content is sealed, not in clear
    ctx.close()
    log("offline: browser closed")

    # 4. The browser opened again, still offline: everything still waits.
    ctx = open_browser(offline=True)
    tab_a = ctx.pages[0] if ctx.pages else ctx.new_page()
    tab_a.goto(f"{web.web_url}/assistant/offline")
    expect(tab_a.locator("#outbox-count")).to_have_text("5")
    expect(tab_a.locator("#net-status")).to_contain_text("Brak sieci")
    screenshot(tab_a, "offline-reopened")
    tab_b = ctx.new_page()
    tab_b.goto(f"{web.web_url}/assistant/offline")
    expect(tab_b.locator("#outbox-count")).to_have_text("5")
    log("offline: browser reopened, two tabs open, waiting: 5 in each")

    # 5. Online again: both tabs send the same outbox at once.
    ctx.set_offline(False)
    for tab in (tab_a, tab_b):
        expect(tab.locator("#outbox-count")).to_have_text("0", timeout=30_000)
    results = [tab.locator("#send-result").inner_text() for tab in (tab_a, tab_b)]
    screenshot(tab_a, "offline-sent")
    log(f"online: both tabs sent; tab A says: {results[0]!r}; tab B says: {results[1]!r}")

    file_a = head.call("casework", "GET", f"/cases/{case_a}").json()
    notes = sorted(v["note"] for v in file_a["visits"])
    assert notes == ["Wizyta 1 bez sieci", "Wizyta 2 bez sieci", "Wizyta 3 bez sieci"], notes
    assert all(v["visited_at"] and v["recorded_at"] for v in file_a["visits"])
    assert file_a["consent"]["signed_by"] == [f"Anna {polna}"]
    assert file_a["work_started_on"] is not None
    log(f"server: case of {polna} holds 3 visits and the consent, each once; work started")
    file_b = head.call("casework", "GET", f"/cases/{case_b}").json()
    assert file_b["visits"] == []
    [held] = head.call(
        "casework", "GET", "/device-records/held", params={"district": OCHOTA}
    ).json()
    assert (held["case_id"], held["reason"]) == (case_b, "case_closed")
    log(f"server: the visit to {lesna} is held 'do wyjaśnienia' (case_closed), not in the case")

    def reported(case_id: str, visits: int) -> dict[str, Any] | None:
        report = head.call(
            "reporting", "GET", "/reports/operational", params={"district": OCHOTA}
        ).json()
        row = next((r for r in report["visit_frequency"] if str(r["case_id"]) == case_id), None)
        return row if row and row["visits_last_4_weeks"] == visits else None

    wait_for("the operational report to count the three visits", lambda: reported(case_a, 3))
    log("reporting: the operational report counts 3 visits for the family, once each")

    # The assistant's case file shows each visit once, with the device's and the server's time.
    tab_a.goto(f"{web.web_url}/cases/{case_a}")
    visits = tab_a.locator("#visits + .count + .table-wrap tbody tr")
    expect(visits).to_have_count(3)
    expect(tab_a.locator("main")).to_contain_text("na urządzeniu")
    screenshot(tab_a, "offline-case-file")

    # The assistant sees the held visit in their own "Do wyjaśnienia".
    tab_a.goto(f"{web.web_url}/review")
    expect(tab_a.locator("#review-list")).to_contain_text("sprawa zakończona w międzyczasie")
    assert serious_violations(tab_a, web) == []
    screenshot(tab_a, "review-list-assistant")

    # Signing out removes what the device kept: pages, outbox and key.
    tab_b.close()
    tab_a.get_by_role("button", name="Wyloguj").click()
    expect(tab_a).to_have_url(f"{web.web_url}/signin")
    left = tab_a.evaluate(
        """async () => ({
            pages: await caches.has("asysta-pages-v1"),
            databases: (await indexedDB.databases()).map((d) => d.name),
        })"""
    )
    assert left == {"pages": False, "databases": []}, left
    log("sign-out: kept pages, outbox and device key deleted from the device")
    ctx.close()

    # 6. The head reviews: reopens the closed case and applies the held visit to it.
    head.call("casework", "POST", f"/cases/{case_b}/reopening", json={"reason": "Nowy kryzys"})
    log(f"server: the head reopened the case of {lesna}")
    page = context.new_page()
    sign_in(page, web, f"head:{OCHOTA}")
    page.goto(f"{web.web_url}/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Do wyjaśnienia")
    row = page.locator("#review-list tbody tr", has_text="Wizyta u rodziny po zamknięciu")
    expect(row).to_contain_text("sprawa zakończona w międzyczasie")
    assert serious_violations(page, web) == []
    screenshot(page, "review-list-head")
    row.get_by_role("link", name="Dołącz do sprawy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dołącz do sprawy")
    assert serious_violations(page, web) == []
    screenshot(page, "review-confirm-apply")
    page.get_by_role("button", name="Potwierdzam: dołącz do sprawy").click()
    expect(page.get_by_role("status")).to_contain_text("Zapis dołączono do sprawy")
    expect(page.locator("main")).to_contain_text("Nie ma nic do wyjaśnienia")
    screenshot(page, "review-applied")
    file_b = head.call("casework", "GET", f"/cases/{case_b}").json()
    assert [v["note"] for v in file_b["visits"]] == ["Wizyta u rodziny po zamknięciu sprawy"]
    log(f"review: the head applied the held visit to the reopened case of {lesna}: 1 visit")
    wait_for("the operational report to count the applied visit", lambda: reported(case_b, 1))
    log("reporting: the reopened family's visit counted once")
    log("result: " + json.dumps({"visits_case_a": 3, "visits_case_b": 1, "held_then_applied": 1}))
    log.save()
