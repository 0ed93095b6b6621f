"""An assistant signs in as themself: the administrator registers an assistant with the login
they use at the identity provider (a login another assistant has is refused beside the
field), the list shows it, and the assistant signs in by it on the development page and sees
their own (empty) list of families."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, expect

from suite.scenario import wait_for
from tests.browser.conftest import WebSuite, screenshot, serious_violations, sign_in

WOLA = "1465188"


def test_an_assistant_registered_with_a_login_signs_in_by_it(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, web_suite, "admin")
    page.goto(f"{web_suite.web_url}/admin/assistants/new")
    page.locator("#f-first_name").fill("Iwona")
    page.locator("#f-last_name").fill("Loginowa")
    page.locator("#f-district").select_option(WOLA)
    # The demo's assistant of Wola signs in as ewa.dabrowska: the login is taken.
    page.get_by_label("Login").fill("Ewa.Dabrowska")
    page.get_by_role("button", name="Zarejestruj asystenta").click()
    expect(page.locator("#e-login")).to_contain_text("ma już inny asystent")
    expect(page.get_by_label("Login")).to_have_value("Ewa.Dabrowska")
    screenshot(page, "admin-register-assistant-login-taken")
    assert serious_violations(page, web_suite) == []

    page.get_by_label("Login").fill("iwona.loginowa")
    page.get_by_role("button", name="Zarejestruj asystenta").click()
    page.goto(f"{web_suite.web_url}/admin/assistants?district={WOLA}")
    row = page.locator("tr", has_text="Iwona Loginowa")
    expect(row).to_contain_text("iwona.loginowa")
    screenshot(page, "admin-assistants-logins")
    assert serious_violations(page, web_suite) == []
    row.get_by_role("link", name="Zmień login").click()
    expect(page.get_by_label("Login")).to_have_value("iwona.loginowa")
    screenshot(page, "admin-assistant-login")
    assert serious_violations(page, web_suite) == []

    # Casework learns her login with her caseload, from the directory's events.
    head = web_suite.client().head(WOLA)
    wait_for(
        "casework to know the new assistant",
        lambda: (
            "Loginowa"
            in head.call("casework", "GET", "/assistants/capacity", params={"district": WOLA}).text
            or None
        ),
    )
    head.close()

    # The demo sign-in lists her by her login; the services resolve it to her record.
    page.goto(f"{web_suite.web_url}/signin")
    expect(
        page.locator(f'input[name="user"][value="assistant:{WOLA}:iwona.loginowa"]')
    ).to_have_count(1)
    page.get_by_role("button", name="Iwona Loginowa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje rodziny")
    expect(page.locator(".who")).to_contain_text("Iwona Loginowa")
