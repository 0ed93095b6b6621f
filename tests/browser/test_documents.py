"""The documents in the browser: the assistant prints a demo family's work plan from its case
file (the printable page) and downloads it as PDF, whose text, read back with pypdf, holds the
family's names, the plan's actions and their dates; every document the case offers renders,
its first page kept as a PNG; the issue is on the family's audit trail for the administrator;
the city analyst gets the 403 page for the same address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from shared.domain.clock import poland_today
from shared.domain.labels import format_date
from suite.demo_data import ASSIGNMENTS, ASSISTANTS, OCHOTA
from tests.browser.conftest import (
    WebSuite,
    screenshot,
    serious_violations,
    sign_in,
    sign_in_as_assistant,
)
from tests.documents.conftest import first_page_png, pdf_text

FAMILY = ["Katarzyna Nowak", "Kacper Nowak", "Zuzanna Nowak"]
ACTIONS = ["Codzienna kontrola obecności Kacpra w szkole", "Spotkanie z pedagogiem szkolnym"]


def test_the_assistant_prints_and_downloads_the_work_plan_and_the_analyst_may_not(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    web = web_suite
    today = poland_today()
    case_id = web.demo["cases"]["nowak"]
    assistant_id = web.demo["assistants"][ASSIGNMENTS["nowak"]]
    api = web.client()
    # An assessment and a court's request on the family, so that their documents are offered.
    me = api.assistant(OCHOTA, assistant_id)
    me.call(
        "casework",
        "POST",
        f"/cases/{case_id}/assessments",
        json={"assessed_on": today.isoformat(), "summary": "Kacper chodzi do szkoły codziennie."},
    )
    me.call(
        "casework",
        "POST",
        f"/cases/{case_id}/court-opinions",
        json={
            "court_name": "Sąd Rejonowy dla Warszawy-Ochoty, III Wydział Rodzinny",
            "case_signature": "III Nsm 314/26",
            "requested_on": today.isoformat(),
            "deadline": (today + timedelta(days=21)).isoformat(),
        },
    )
    family_id = api.head(OCHOTA).call("casework", "GET", f"/cases/{case_id}").json()["family_id"]

    page = context.new_page()
    sign_in_as_assistant(page, web, "Agnieszka Wiśniewska")
    page.goto(f"{web.web_url}/cases/{case_id}")
    documents = page.locator("section", has=page.get_by_role("heading", name="Dokumenty"))
    expect(documents).to_be_visible()
    assert serious_violations(page, web) == []
    screenshot(page, "case-documents")

    # The printable page of the plan's version 1.
    documents.get_by_role(
        "link", name=re.compile(r"^Drukuj\W+plan pracy z rodziną, wersja 1")
    ).click()
    page.wait_for_load_state("domcontentloaded")
    assert re.search(rf"/cases/{case_id}/documents/work_plan\.html\?version=1$", page.url)
    body = page.locator("body")
    expect(body).to_contain_text("Plan pracy z rodziną — wersja 1")
    for text in [*FAMILY, *ACTIONS]:
        expect(body).to_contain_text(text)
    expect(page.get_by_role("button", name="Drukuj")).to_be_visible()
    assert serious_violations(page, web) == []
    screenshot(page, "document-work-plan-printable")
    page.get_by_role("link", name="Wróć do akt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Katarzyna Nowak (2 dzieci)")

    # The PDF, downloaded as the browser does it, read back.
    with page.expect_download() as download_info:
        documents.get_by_role(
            "link", name=re.compile(r"^Pobierz PDF\W+plan pracy z rodziną, wersja 1")
        ).click()
    download = download_info.value
    assert re.fullmatch(
        r"plan-pracy-AR-\d{4}-[0-9A-F]{8}-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for phrase in [
        *FAMILY,
        *ACTIONS,
        "Plan pracy z rodziną — wersja 1",
        "Anna Kaczmarek (pracownik socjalny)",
        format_date(today + timedelta(days=30)),  # the first action's deadline
        f"Data wydania: {format_date(today)}",
        "Wystawił(a): Agnieszka Wiśniewska",
        "Strona 1 z",
    ]:
        assert phrase in text, phrase
    first_page_png(pdf, "web_work_plan")

    # Every document the case offers, through the web app with the page's own cookies.
    offered = {
        "assignment_letter": (
            "",
            ["Pismo o wyznaczeniu asystenta rodziny", "Agnieszka Wiśniewska"],
        ),
        "consent_form": ("", ["Zgoda rodziny na współpracę", "Katarzyna Nowak"]),
        "visit_diary": (
            f"?from={today.isoformat()}&to={today.isoformat()}",
            ["Dziennik wizyt", "Trening budżetowy: plan wydatków."],
        ),
        "assessment": (
            f"?assessed_on={today.isoformat()}",
            ["Okresowa ocena sytuacji rodziny", "Kacper chodzi do szkoły codziennie."],
        ),
        "court_opinion": ("", ["III Nsm 314/26", format_date(today + timedelta(days=21))]),
        "case_file": ("", ["Akta sprawy rodziny", "Spis treści", "Historia sprawy"]),
    }
    for kind, (query, phrases) in offered.items():
        answer = context.request.get(f"{web.web_url}/cases/{case_id}/documents/{kind}.pdf{query}")
        assert answer.status == 200, (kind, answer.status)
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["cache-control"] == "no-store"
        got = pdf_text(answer.body())
        for phrase in [*phrases, "Katarzyna Nowak"]:
            assert phrase in got, (kind, phrase)
        first_page_png(answer.body(), f"web_{kind}")
    # A part the case does not hold: a Polish page, not a 500.
    missing = context.request.get(f"{web.web_url}/cases/{case_id}/documents/closure_note.pdf")
    assert missing.status == 404 and "nie została zakończona" in missing.text()

    # The head prints the decision from the referral's page.
    head = context.new_page()
    sign_in(head, web, f"head:{OCHOTA}")
    head.goto(f"{web.web_url}/referrals/{web.demo['referrals']['nowak']}")
    with head.expect_download() as decision_info:
        head.get_by_role("link", name=re.compile(r"^Pobierz PDF\W+decyzja kierownika")).click()
    decision = Path(decision_info.value.path()).read_bytes()
    assert "Decyzja o przydzieleniu asystenta rodziny" in pdf_text(decision)
    assert "SP-12/2026/031" in pdf_text(decision)
    first_page_png(decision, "web_decision")
    head.close()

    # The family's audit trail says who issued which document, and when.
    admin = context.browser.new_context(locale="pl-PL") if context.browser else None
    assert admin is not None
    audit = admin.new_page()
    sign_in(audit, web, "admin")
    audit.goto(f"{web.web_url}/admin/audit?family_id={family_id}")
    issued = audit.locator("tr", has_text="wydano dokument: plan pracy z rodziną")
    expect(issued.first).to_be_visible()
    # Who: the assistant as their token names them, by the login they sign in with.
    expect(issued.first).to_contain_text(ASSISTANTS[ASSIGNMENTS["nowak"]]["login"])
    expect(issued.first).to_contain_text("asystent rodziny")
    expect(issued.first).to_contain_text(format_date(datetime.now(UTC)))  # Warsaw's day
    expect(
        audit.locator("tr", has_text="wydano dokument: decyzja kierownika").first
    ).to_be_visible()
    screenshot(audit, "audit-documents-issued")
    admin.close()

    # The city analyst may not have a personal document, whatever address they try.
    analyst_context = context.browser.new_context(locale="pl-PL") if context.browser else None
    assert analyst_context is not None
    analyst = analyst_context.new_page()
    sign_in(analyst, web, "city")
    for address in (
        f"/cases/{case_id}/documents/work_plan.pdf?version=1",
        f"/cases/{case_id}/documents/case_file.html",
        f"/referrals/{web.demo['referrals']['nowak']}/documents/decision.pdf",
    ):
        response = analyst.goto(f"{web.web_url}{address}")
        assert response is not None and response.status == 403, address
        expect(analyst.locator("main")).to_contain_text("Nie masz uprawnień")
    analyst_context.close()
    api.close()
