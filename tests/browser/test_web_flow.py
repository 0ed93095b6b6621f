"""As each role in turn, in the browser: a school's notification -> the social worker's
interview -> the head's grant with a justification -> assignment by name -> consent -> visit
(double-clicked, sent once) -> plan revision -> the head's and the city's views show it."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, Locator, Page, expect

from shared.domain.clock import poland_today
from suite.demo_data import OCHOTA, pesel
from suite.scenario import wait_for
from tests.browser.conftest import WebSuite, screenshot, sign_in, sign_in_as_assistant

pytest_plugins: list[str] = []


def reload_until(page: Page, found: Callable[[], Locator], *, timeout: float = 30.0) -> Locator:
    """Reload the page until `found()` is visible (an event still on its way), bounded."""

    def shown() -> Locator | None:
        locator = found()
        if locator.count() and locator.first.is_visible():
            return locator.first
        page.reload()
        return None

    return wait_for("the item on the page", shown, timeout=timeout)


def cell_number(locator: Locator) -> int:
    text = locator.inner_text().strip()
    return int(text) if text.isdigit() else 0


def counts_before(page: Page, web: WebSuite) -> tuple[int, int]:
    """Agnieszka Wiśniewska's families on the head's caseload and Ochota's families in care on
    the city view before this flow: other tests of the package add families of their own."""
    sign_in(page, web, f"head:{OCHOTA}")
    page.goto(f"{web.web_url}/head/caseload")
    assistant = cell_number(
        page.locator("tr", has_text="Agnieszka Wiśniewska").first.locator("td:nth-child(3)")
    )
    sign_in(page, web, "city")
    page.goto(f"{web.web_url}/city")
    ochota = cell_number(
        page.locator("tr", has=page.locator("td:text-is('Ochota')")).first.locator(
            "td:nth-child(3)"
        )
    )
    return assistant, ochota


def test_a_school_referral_becomes_a_family_in_work_as_each_role_in_turn(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    page = context.new_page()
    assistant_before, ochota_before = counts_before(page, web)
    surname = random.choice(["Pawlak", "Wróbel", "Kaczmarek", "Zając", "Król"])
    serial = random.randint(900, 999)
    day = date(2013, 5, 1) + timedelta(days=random.randint(0, 300))
    parent_first, pupil_first = "Joanna", "Oliwer"
    family = f"{parent_first} {surname} (1 dziecko)"

    # 1. The school's pedagogue sends a notification.
    sign_in(page, web, "school")
    page.goto(f"{web.web_url}/sender/new")
    page.get_by_label("Znak pisma").fill(f"SP-12/{serial}/{day.isoformat()}")
    page.get_by_label("Dzielnica zamieszkania rodziny").select_option(OCHOTA)
    pupil = page.locator("fieldset", has_text="Uczeń")
    pupil.get_by_label("Imię", exact=True).fill(pupil_first)
    pupil.get_by_label("Nazwisko", exact=True).fill(surname)
    pupil.get_by_label("PESEL", exact=True).fill(pesel(day, serial, female=False))
    parent = page.locator("fieldset", has_text="Rodzic")
    parent.get_by_label("Imię", exact=True).fill(parent_first)
    parent.get_by_label("Nazwisko", exact=True).fill(surname)
    parent.get_by_label("PESEL", exact=True).fill(pesel(date(1987, 2, 3), serial + 1, female=True))
    page.get_by_label("niespełnianie obowiązku szkolnego").check()
    page.get_by_label("Opis", exact=True).fill("Uczeń nie chodzi do szkoły od trzech tygodni.")
    screenshot(page, "school-notification-form")
    page.get_by_role("button", name="Wyślij powiadomienie").click()
    expect(page.get_by_role("status")).to_contain_text("Wysłano")
    expect(page.locator("table")).to_contain_text("przyjęte, w toku")
    screenshot(page, "school-sent")

    # 2. The district's social worker interviews the family.
    sign_in(page, web, f"social_worker:{OCHOTA}")
    page.get_by_role("link", name=family).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(family)
    page.get_by_role("button", name="Zapisz wywiad").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano wywiad")

    # 3. The head grants an assistant, with a justification.
    sign_in(page, web, f"head:{OCHOTA}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Biurko kierownika")
    screenshot(page, "head-desk")
    page.get_by_role("link", name=family).click()
    screenshot(page, "head-referral-decision")
    page.get_by_label("przyznać asystenta").check()
    page.get_by_label("Uzasadnienie").fill("Szkoła i wywiad potwierdzają potrzebę wsparcia.")
    page.get_by_role("button", name="Zapisz decyzję").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano decyzję")
    case_link = reload_until(page, lambda: page.get_by_role("link", name="akta sprawy"))
    case_link.click()
    case_url = page.url

    # 4. ... and assigns one by name, seeing the free places.
    assistant = page.get_by_label("Asystent rodziny")
    options = assistant.locator("option").all_inner_texts()
    chosen = next(o for o in options if o.startswith("Agnieszka Wiśniewska"))
    assert "wolne miejsca" in chosen
    assistant.select_option(label=chosen)
    screenshot(page, "head-assignment")
    page.get_by_role("button", name="Przydziel asystenta").click()
    expect(page.get_by_role("status")).to_contain_text("Przydzielono asystenta")

    # 5. The assistant records the consent, a visit (double-clicked) and the plan.
    sign_in_as_assistant(page, web, "Agnieszka Wiśniewska")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    screenshot(page, "assistant-my-families")
    page.get_by_role("link", name=family).click()
    assert page.url == case_url
    page.get_by_label("Kto podpisał").fill(f"{parent_first} {surname}")
    page.get_by_role("button", name="Zapisz zgodę").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano zgodę rodziny")

    page.locator("summary", has_text="Wizyta").click()
    page.get_by_label("Czas trwania (minuty)").fill("75")
    page.get_by_label("budżet domowy").check()
    page.get_by_label("szkoła i nauka dzieci").check()
    page.get_by_label("Notatka").fill("Ustalono plan powrotu Oliwera do szkoły.")
    page.get_by_role("button", name="Zapisz wizytę").dblclick()
    expect(page.get_by_role("status")).to_contain_text("Zapisano wizytę")
    expect(page.locator("h2#visits + p.count strong")).to_have_text("1")

    page.locator("summary", has_text="Plan pracy: nowa wersja").click()
    page.get_by_label("Uzgodniono z pracownikiem socjalnym").fill("Anna Kaczmarek")
    first_action = page.locator("fieldset", has_text="Działanie 1")
    first_action.get_by_label("Co zostanie zrobione").fill("Codzienne odprowadzanie do szkoły")
    first_action.get_by_label("Termin", exact=True).fill(
        (poland_today() + timedelta(days=14)).isoformat()
    )
    first_action.get_by_label("Oczekiwany efekt").fill("Obecność w szkole powyżej 90%")
    page.get_by_role("button", name="Zapisz plan").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano nową wersję planu")
    expect(page.locator("#plan ~ h3").first).to_contain_text("Wersja 1")
    screenshot(page, "assistant-case-file")

    # 6. The head's views show it: the case file, and the caseload chart (from reporting).
    sign_in(page, web, f"head:{OCHOTA}")
    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("Ustalono plan powrotu Oliwera do szkoły.")
    expect(page.locator("main")).to_contain_text("Codzienne odprowadzanie do szkoły")
    page.goto(f"{web.web_url}/head/caseload")
    row = reload_until(
        page,
        lambda: page.locator("tr", has_text="Agnieszka Wiśniewska").filter(
            has=page.locator("td:nth-child(3)", has_text=re.compile(rf"^{assistant_before + 1}$"))
        ),
    )
    expect(row).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    screenshot(page, "head-caseload")

    # 7. The city's view shows one more family in care in Ochota, without names.
    sign_in(page, web, "city")
    ochota = reload_until(
        page,
        lambda: page.locator("tr", has=page.locator("td:text-is('Ochota')")).filter(
            has=page.locator("td:nth-child(3)", has_text=re.compile(rf"^{ochota_before + 1}$"))
        ),
    )
    expect(ochota).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(surname)
    screenshot(page, "city-view")
    download = page.expect_download
    with download() as info:
        page.get_by_role("link", name="XLSX").first.click()
    assert info.value.suggested_filename.endswith(".xlsx")


def test_bad_input_comes_back_with_the_polish_message_beside_the_field_and_stores_nothing(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    district = "1465058"
    head = web.client().head(district)
    before = len(head.call("referrals", "GET", "/referrals", params={"district": district}).json())
    page = context.new_page()
    sign_in(page, web, f"social_worker:{district}")
    page.goto(f"{web.web_url}/social/referrals/new")
    first = page.locator("fieldset", has_text="Osoba 1")
    first.get_by_label("Imię", exact=True).fill("Ignacy")
    first.get_by_label("Nazwisko", exact=True).fill("Błędny")
    first.get_by_label("PESEL", exact=True).fill("12345678901")
    page.get_by_label("Opis sytuacji rodziny").click()  # leaving the field checks it here
    expect(page.locator("#e-m-0-pesel")).to_contain_text("Numer PESEL jest nieprawidłowy")
    page.get_by_label("Opis sytuacji rodziny").fill("Rodzina prosi o pomoc.")
    page.get_by_role("button", name="Przyjmij zgłoszenie").click()
    # The server checks again: the form comes back filled in, with the summary on top.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Popraw błędy w formularzu")
    expect(summary.locator('a[href="#f-m-0-pesel"]')).to_contain_text("PESEL")
    expect(page.locator("#e-m-0-pesel")).to_contain_text("Numer PESEL jest nieprawidłowy")
    expect(page.locator("#f-m-0-first_name")).to_have_value("Ignacy")
    expect(page.locator("#f-m-0-pesel")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "social-worker-referral-with-errors")
    after = len(head.call("referrals", "GET", "/referrals", params={"district": district}).json())
    assert after == before


def test_the_language_switch_shows_english_and_back(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in_as_assistant(page, web_suite, "Ewa Dąbrowska")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My families")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Polski").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
