"""Searching families in the browser, within what the signed-in person may see: the head of
Ochota and Ochota's assistant find a demo family by its surname typed without Polish letters
and by a member's PESEL, from the header's search box (reached by keyboard); a family of
another district is not found; a bad PESEL gets the field's Polish message; the results page
has no serious accessibility violation, refreshes as you type (htmx) and works without
JavaScript."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Browser, BrowserContext, Page, expect

from suite.demo_data import OCHOTA, pesel
from tests.browser.conftest import (
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
    sign_in_as_assistant,
)

# Demo families (suite/demo_data.py): the Wójciks of Ochota, with the assistant Agnieszka
# Wiśniewska; the Krawczyks of Wola.
WOJCIK = "Marek Wójcik (1 dziecko)"
WOJCIK_PESEL = pesel(date(1985, 2, 1), 211, female=False)
KRAWCZYK_PESEL = pesel(date(1979, 3, 28), 541, female=True)
NOTHING = "Nic nie znaleziono"


def search_from_the_header(page: Page, typed: str) -> None:
    """Tab to the header's search box as a keyboard user does, type and press Enter."""
    page.locator("body").focus()
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search":
            break
    assert page.evaluate("document.activeElement.id") == "site-search", "not reached by Tab"
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")


def results(page: Page) -> list[str]:
    return page.locator("#search-results tbody tr td:first-child").all_inner_texts()


def test_the_head_finds_a_family_of_the_district_by_surname_and_pesel_and_no_other(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    page = context.new_page()
    sign_in(page, web, f"head:{OCHOTA}")
    page.get_by_label("Nazwisko lub PESEL").focus()
    screenshot(page, "search-box-in-the-menu")

    # The surname typed without Polish letters finds the family spelled with them.
    search_from_the_header(page, "Wojcik")
    expect(page.get_by_role("heading", level=1)).to_have_text("Szukaj rodziny")
    assert results(page) == [WOJCIK]
    expect(page.get_by_label("Nazwisko lub PESEL")).to_have_value("Wojcik")
    screenshot(page, "search-head-by-surname")
    assert serious_violations(page, web) == []
    page.get_by_role("link", name=WOJCIK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WOJCIK)

    # By a member's PESEL.
    search_from_the_header(page, WOJCIK_PESEL)
    assert results(page) == [WOJCIK]
    screenshot(page, "search-head-by-pesel")

    # Another district's family: not by its surname, not by its PESEL.
    for typed in ("Krawczyk", KRAWCZYK_PESEL):
        field = page.get_by_label("Nazwisko lub PESEL")
        field.fill(typed)
        page.get_by_role("button", name="Szukaj", exact=True).click()
        page.wait_for_url(f"**/search?q={typed}")
        expect(page.locator("#search-results")).to_contain_text(NOTHING)
        assert results(page) == []
    screenshot(page, "search-head-other-district-not-found")
    assert serious_violations(page, web) == []

    # A PESEL with a wrong check digit: the Polish message beside the field, nothing asked.
    bad = WOJCIK_PESEL[:-1] + str((int(WOJCIK_PESEL[-1]) + 1) % 10)
    page.get_by_label("Nazwisko lub PESEL").fill(bad)
    page.get_by_role("button", name="Szukaj", exact=True).click()
    expect(page.locator("#e-q")).to_contain_text("Nieprawidłowy numer PESEL")
    expect(page.get_by_label("Nazwisko lub PESEL")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_contain_text("Nieprawidłowy numer PESEL")
    assert results(page) == []
    screenshot(page, "search-bad-pesel")
    assert serious_violations(page, web) == []


def test_the_assistant_finds_their_family_as_they_type(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    page = context.new_page()
    sign_in_as_assistant(page, web, "Agnieszka Wiśniewska")
    # The browser is set up as at a Polish centre: its language and its clock's zone.
    assert page.evaluate(
        "[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]"
    ) == [
        "pl-PL",
        "Europe/Warsaw",
    ]
    search_from_the_header(page, "wojc")
    assert results(page) == [WOJCIK]
    # From a result to the case file, whose date inputs read as in Poland (dd.mm.rrrr).
    page.get_by_role("link", name=WOJCIK).click()
    page.locator("summary", has_text="Wizyta").click()
    expect(page.get_by_label("Data wizyty")).to_be_visible()
    screenshot(page, "search-to-case-visit-form")
    page.go_back()
    # htmx refreshes the results as the person types, without sending the form.
    field = page.get_by_label("Nazwisko lub PESEL")
    field.fill("")
    field.press_sequentially("Nowa", delay=50)
    expect(page.locator("#search-results tbody")).to_contain_text("Katarzyna Nowak (2 dzieci)")
    page.wait_for_url("**/search?q=Nowa")
    screenshot(page, "search-assistant-as-you-type")
    # A family of the district the assistant does not work with is not theirs to find.
    field.fill("")
    field.press_sequentially("Krawczyk", delay=20)
    expect(page.locator("#search-results")).to_contain_text(NOTHING)
    # On a phone (320 px), the menu's search box and the results reflow without a scroll.
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("/assistant", "/search?q=wojc"):
        page.goto(f"{web.web_url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    screenshot(page, "search-assistant-320px")


def test_the_search_works_without_javascript(web_suite: WebSuite, browser: Browser) -> None:
    web = web_suite
    context = browser.new_context(
        java_script_enabled=False, locale="pl-PL", timezone_id="Europe/Warsaw"
    )
    try:
        page = context.new_page()
        sign_in(page, web, f"head:{OCHOTA}")
        page.get_by_label("Nazwisko lub PESEL").fill("wójcik")
        page.get_by_role("button", name="Szukaj", exact=True).click()
        page.wait_for_url("**/search?q=*")
        assert results(page) == [WOJCIK]
    finally:
        context.close()


def test_the_city_analyst_has_no_search(web_suite: WebSuite, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, web_suite, "city")
    expect(page.get_by_role("search")).to_have_count(0)
    page.goto(f"{web_suite.web_url}/search?q=Wojcik")
    expect(page.locator("main")).to_contain_text("Nie masz uprawnień")


def test_the_administrator_finds_a_family_of_any_district_for_its_audit_trail(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, web_suite, "admin")
    search_from_the_header(page, "Krawczyk")
    assert results(page) == ["Beata Krawczyk (1 dziecko)"]
    screenshot(page, "search-admin")
    page.get_by_role("link", name="Beata Krawczyk (1 dziecko)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejestr dostępu")
    # The search itself is on the family's audit trail.
    expect(page.locator("main")).to_contain_text("lista spraw")  # case.list, as labelled
