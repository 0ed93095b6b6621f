"""The administrator gives an assistant the address of their daily digest: at registration (a
malformed address refused beside the field, what was typed kept), in the list of assistants,
and changed on the assistant's e-mail page."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import WebSuite, screenshot, serious_violations, sign_in

WOLA = "1465188"


def test_the_administrator_sets_an_assistants_e_mail(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, web_suite, "admin")
    page.goto(f"{web_suite.web_url}/admin/assistants/new")
    page.locator("#f-first_name").fill("Irena")
    page.locator("#f-last_name").fill("Mailowa")
    page.locator("#f-district").select_option(WOLA)
    page.get_by_label("E-mail").fill("irena.mailowa(at)ops-wola")
    page.get_by_role("button", name="Zarejestruj asystenta").click()
    expect(page.locator("#e-email")).to_contain_text("nieprawidłowy adres e-mail")
    expect(page.get_by_label("E-mail")).to_have_value("irena.mailowa(at)ops-wola")
    expect(page.locator(".error-summary")).to_be_visible()
    screenshot(page, "admin-register-assistant-email-refused")
    assert serious_violations(page, web_suite) == []

    page.get_by_label("E-mail").fill("irena.mailowa@ops-wola.example.pl")
    page.get_by_role("button", name="Zarejestruj asystenta").click()
    page.goto(f"{web_suite.web_url}/admin/assistants?district={WOLA}")
    row = page.locator("tr", has_text="Irena Mailowa")
    expect(row).to_contain_text("irena.mailowa@ops-wola.example.pl")
    screenshot(page, "admin-assistants-emails")
    assert serious_violations(page, web_suite) == []

    row.get_by_role("link", name="Zmień e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adres e-mail asystenta")
    expect(page.get_by_label("E-mail")).to_have_value("irena.mailowa@ops-wola.example.pl")
    page.get_by_label("E-mail").fill("irena@@ops-wola.example.pl")
    page.get_by_role("button", name="Zapisz adres e-mail").click()
    expect(page.locator("#e-email")).to_contain_text("nieprawidłowy adres e-mail")
    screenshot(page, "admin-assistant-email-refused")
    assert serious_violations(page, web_suite) == []

    page.get_by_label("E-mail").fill("i.mailowa@ops-wola.example.pl")
    page.get_by_role("button", name="Zapisz adres e-mail").click()
    expect(page.locator("body")).to_contain_text("Zapisano adres e-mail asystenta.")
    row = page.locator("tr", has_text="Irena Mailowa")
    expect(row).to_contain_text("i.mailowa@ops-wola.example.pl")
