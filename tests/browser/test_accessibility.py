"""axe-core (served by the web app from the repo) on the main page of every role: no serious
or critical WCAG 2.1 A/AA violations; each page kept as a screenshot; and the pages reflow at
320 px without a horizontal scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.conftest import (
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
    sign_in_as_assistant,
)

OCHOTA, WOLA = "1465068", "1465188"
PAGES = {
    f"head:{OCHOTA}": ["/head", "/head/referrals", "/head/waiting", "/head/caseload"],
    f"head:{WOLA}": ["/head/waiting"],
    f"social_worker:{OCHOTA}": ["/social/referrals", "/social/referrals/new"],
    "school": ["/sender/new", "/sender"],
    "court": ["/sender/new"],
    "city": ["/city"],
    "admin": ["/admin/assistants", "/admin/institutions", "/admin/audit", "/admin/erasure"],
}


@pytest.mark.parametrize("user", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violations(
    web_suite: WebSuite, context: BrowserContext, user: str
) -> None:
    page = context.new_page()
    sign_in(page, web_suite, user)
    found = {}
    for path in PAGES[user]:
        page.goto(f"{web_suite.web_url}{path}")
        screenshot(page, f"{user.replace(':', '-')}{path.replace('/', '-')}")
        violations = serious_violations(page, web_suite)
        if violations:
            found[path] = violations
    assert found == {}


def test_the_assistants_pages_and_the_sign_in_page_are_accessible(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(f"{web_suite.web_url}/signin")
    screenshot(page, "signin")
    found = {"/signin": serious_violations(page, web_suite)}
    sign_in_as_assistant(page, web_suite, "Agnieszka Wiśniewska")
    for path in ("/assistant", "/assistant/todo"):
        page.goto(f"{web_suite.web_url}{path}")
        screenshot(page, f"assistant{path.replace('/', '-')}")
        found[path] = serious_violations(page, web_suite)
    page.goto(f"{web_suite.web_url}/assistant")
    page.locator("table a").first.click()
    screenshot(page, "assistant-case")
    found["case"] = serious_violations(page, web_suite)
    assert {k: v for k, v in found.items() if v} == {}


def test_pages_reflow_on_a_320_px_wide_screen(web_suite: WebSuite, context: BrowserContext) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_as_assistant(page, web_suite, "Agnieszka Wiśniewska")
    page.locator("table a").first.click()
    screenshot(page, "assistant-case-320px")
    too_wide = {}
    # The pages an assistant opens on a phone: the families, the case file, what is due, the
    # field work, what waits to be clarified, a search.
    for path in (
        "/assistant",
        page.url.removeprefix(web_suite.web_url),
        "/assistant/todo",
        "/assistant/offline",
        "/review",
        "/search?q=Nowak",
    ):
        page.goto(f"{web_suite.web_url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[path] = width
    page.goto(f"{web_suite.web_url}/assistant")
    screenshot(page, "assistant-my-families-320px")
    page.goto(f"{web_suite.web_url}/assistant/offline")
    screenshot(page, "assistant-offline-320px")
    page.goto(f"{web_suite.web_url}/search?q=Nowak")
    screenshot(page, "assistant-search-320px")
    assert too_wide == {}
