"""Steps that cannot be undone are checked once more: a head's refusal, an erasure."""

from __future__ import annotations

import random
from datetime import date

from playwright.sync_api import BrowserContext, expect

from suite.demo_data import pesel
from tests.browser.conftest import WebSuite, screenshot, sign_in

MOKOTOW, WOLA = "1465058", "1465188"


def test_a_refusal_is_checked_before_it_is_sent(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    worker = web_suite.client().social_worker(MOKOTOW)
    serial = random.randint(800, 899)
    referral = worker.call(
        "referrals",
        "POST",
        "/referrals",
        json={
            "district": MOKOTOW,
            "source": "family",
            "members": [
                {
                    "role": "parent",
                    "first_name": "Olga",
                    "last_name": "Odmowna",
                    "pesel": pesel(date(1991, 7, 7), serial, female=True),
                }
            ],
            "reason": "Rodzina prosi o pomoc w sprawach urzędowych.",
        },
    ).json()
    page = context.new_page()
    sign_in(page, web_suite, f"head:{MOKOTOW}")
    page.goto(f"{web_suite.web_url}/referrals/{referral['referral_id']}")
    page.get_by_label("odmówić").check()
    page.get_by_role("button", name="Zapisz decyzję").click()
    # Without a justification the form comes back with the message beside the field.
    expect(page.locator("#e-reason")).to_contain_text("Napisz uzasadnienie decyzji")
    page.get_by_label("odmówić").check()
    page.get_by_label("Uzasadnienie").fill("Rodzina korzysta już z pomocy placówki wsparcia.")
    page.get_by_role("button", name="Zapisz decyzję").click()
    expect(page.get_by_role("heading", name="Sprawdź przed odmową")).to_be_visible()
    screenshot(page, "head-decline-check")
    still = worker.call("referrals", "GET", f"/referrals/{referral['referral_id']}").json()
    assert still["status"] == "awaiting_decision"
    page.get_by_role("button", name="Potwierdzam odmowę").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano decyzję")
    expect(page.locator("main")).to_contain_text("Rodzina korzysta już z pomocy placówki wsparcia.")
    done = worker.call("referrals", "GET", f"/referrals/{referral['referral_id']}").json()
    assert done["status"] == "declined"


def test_an_erasure_needs_the_confirmation_word_and_without_it_erases_nothing(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    head = web_suite.client().head(WOLA)
    waiting = head.call("casework", "GET", "/waiting-list", params={"district": WOLA}).json()
    family_id = waiting[0]["family_id"]
    page = context.new_page()
    sign_in(page, web_suite, "admin")
    page.goto(f"{web_suite.web_url}/admin/erasure")
    page.get_by_label("Identyfikator rodziny").fill(family_id)
    page.get_by_label("Podstawa usunięcia").fill("Upływ okresu przechowywania dokumentacji.")
    page.get_by_role("button", name="Dalej").click()
    expect(page.get_by_role("heading", name="Sprawdź przed usunięciem")).to_be_visible()
    page.get_by_label("Wpisz USUŃ, aby potwierdzić").fill("usun")
    page.get_by_role("button", name="Usuń dane osobowe rodziny").click()
    expect(page.locator("#e-confirm")).to_contain_text("Przepisz dokładnie słowo USUŃ")
    screenshot(page, "admin-erasure-check")
    file = head.call("casework", "GET", f"/cases/{waiting[0]['case_id']}").json()
    assert file["members"][0]["last_name"] == "Krawczyk"
