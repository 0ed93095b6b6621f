"""Reporting's reminders in the browser: the assistant's start page lists a court's request for
an opinion as soon as reporting has it, with the family's name and the deadline, and the menu
counts it ("Do zrobienia (1)"); the head of a district with a family waiting for an assistant
sees it on the desk, counted on "Biurko kierownika"."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import BrowserContext, Locator, Page, expect

from shared.domain.clock import poland_today
from shared.domain.labels import format_date
from suite.demo_data import ASSIGNMENTS, OCHOTA, WOLA
from suite.scenario import wait_for
from tests.browser.conftest import (
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
    sign_in_as_assistant,
)


def reminders(page: Page) -> Locator:
    return page.locator("section", has=page.get_by_role("heading", name="Przypomnienia"))


def todo_link(page: Page, count: int) -> Locator:
    """The menu's "Do zrobienia (n)" or "Do zrobienia (n, k po terminie)"."""
    name = re.compile(rf"^Do zrobienia \({count}(\)|,)")
    return page.get_by_role("navigation").get_by_role("link", name=name)


def reload_until_listed(page: Page, text: str) -> Locator:
    """Reporting learns of an event a moment after it happens: reload until it lists it."""

    def listed() -> Locator | None:
        row = reminders(page).locator("li", has_text=text)
        if row.count():
            return row.first
        page.reload()
        return None

    return wait_for(f"the reminder {text!r}", listed, timeout=30)


def test_the_start_pages_list_the_reminders_and_the_menu_counts_them(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    today = poland_today()
    case_id = web.demo["cases"]["nowak"]
    assistant_id = web.demo["assistants"][ASSIGNMENTS["nowak"]]
    api = web.client()
    page = context.new_page()

    # Before the court's request: what the list holds already (other tests of this package
    # may have added to the demo family's file), and the menu counts exactly that.
    sign_in_as_assistant(page, web, "Agnieszka Wiśniewska")
    page.goto(f"{web.web_url}/assistant")
    expect(reminders(page)).to_be_visible()
    before = reminders(page).locator("li").count()
    if before == 0:
        expect(reminders(page)).to_contain_text("Nie ma zaległych ani zbliżających się terminów")
    expect(todo_link(page, before)).to_be_visible()

    deadline = today + timedelta(days=10)
    api.assistant(OCHOTA, assistant_id).call(
        "casework",
        "POST",
        f"/cases/{case_id}/court-opinions",
        json={
            "court_name": "Sąd Rejonowy dla Warszawy-Ochoty, III Wydział Rodzinny",
            "case_signature": "III Nsm 99/26",
            "requested_on": today.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )
    row = reload_until_listed(page, f"{format_date(deadline)} (za 10 dni)")
    expect(row).to_contain_text("opinia dla sądu")
    expect(row).to_contain_text("Katarzyna Nowak (2 dzieci)")
    expect(row).to_contain_text(f"{format_date(deadline)} (za 10 dni)")
    expect(row.get_by_role("link")).to_have_attribute("href", f"/cases/{case_id}")
    expect(todo_link(page, before + 1)).to_be_visible()
    assert serious_violations(page, web) == []
    screenshot(page, "assistant-reminders")

    # The same list tops "Do zrobienia", and the count follows to every page.
    todo_link(page, before + 1).click()
    expect(reminders(page).locator("li", has_text=format_date(deadline))).to_be_visible()
    page.goto(f"{web.web_url}/cases/{case_id}")
    expect(todo_link(page, before + 1)).to_be_visible()

    # The head of Wola: a family granted help and waiting for an assistant.
    head_context = context.browser.new_context(locale="pl-PL") if context.browser else None
    assert head_context is not None
    head = head_context.new_page()
    sign_in(head, web, f"head:{WOLA}")
    head.goto(f"{web.web_url}/head")
    waiting = reminders(head).locator("li", has_text="rodzina czeka na asystenta")
    expect(waiting.first).to_be_visible()
    expect(waiting.first).to_contain_text(re.compile(r"AR-[0-9A-F]{8} \(\w\.\w\.\)"))
    expect(waiting.first).to_contain_text(f"od {format_date(today)}")
    expect(head.get_by_role("link", name=re.compile(r"^Biurko kierownika \([1-9]"))).to_be_visible()
    assert serious_violations(head, web) == []
    screenshot(head, "head-reminders")
    head_context.close()
    api.close()
