"""The operator's dead letters in the browser: messages the reporting group gave up on are put
in place in Redis (as the consumer leaves them); the administrator sees them on
/admin/dead-letters (the event's type, the error, when, how many attempts; never the event's
data), replays one and reads that it was applied, replays another that fails again and reads
the error, then drops that one after a confirmation step. Screenshots of each step; axe-core
finds no serious violation."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import redis as sync_redis
from faststream.redis.parser import BinaryMessageFormatV1
from playwright.sync_api import BrowserContext, expect

from shared.events import Envelope
from shared.events.directory import AssistantEmploymentChanged, EmploymentForm
from tests.browser.conftest import WebSuite, screenshot, serious_violations, sign_in
from tests.conftest import REDIS_URL
from tests.events import envelope_of

ERROR = "RuntimeError: the projection's database was down"


def _put_dead_letter(prefix: str, event: Envelope) -> str:
    encoding = BinaryMessageFormatV1.encode(
        message=event.model_dump_json().encode(), reply_to=None, headers={}, correlation_id="c"
    )
    # Playwright's loop runs in this thread: faststream's (async) encoder runs in another.
    with ThreadPoolExecutor(1) as thread:
        data = thread.submit(asyncio.run, encoding).result()
    client = sync_redis.Redis.from_url(REDIS_URL)
    entry = client.xadd(
        f"{prefix}reporting.dead-letters",
        {
            b"stream": f"{prefix}directory.events",
            b"group": "reporting",
            b"message_id": "1-0",
            b"deliveries": "5",
            b"error": ERROR,
            b"dead_at": datetime.now(UTC).isoformat(),
            b"__data__": data,
        },
    )
    client.close()
    return str(entry.decode())


def _dead_letters(prefix: str) -> int:
    client = sync_redis.Redis.from_url(REDIS_URL)
    try:
        return int(client.xlen(f"{prefix}reporting.dead-letters"))
    finally:
        client.close()


def _changed(*, broken: bool) -> Envelope:
    # Terms of an assistant reporting does not know: applied, it changes no row of the views
    # the other browser tests read. Broken, its payload cannot be read and fails again.
    event = AssistantEmploymentChanged(
        employment_form=EmploymentForm.CIVIL_LAW_CONTRACT, effective_from=date(2026, 1, 1)
    )
    envelope = envelope_of(event, "assistant", uuid.uuid4())
    if broken:
        envelope = envelope.model_copy(update={"payload": {"employment_form": "nonsense"}})
    return envelope


def test_the_operator_replays_and_drops_dead_letters(
    web_suite: WebSuite, context: BrowserContext
) -> None:
    prefix = web_suite.prefix
    good = _put_dead_letter(prefix, _changed(broken=False))
    bad = _put_dead_letter(prefix, _changed(broken=True))

    page = context.new_page()
    sign_in(page, web_suite, "admin")
    page.get_by_role("link", name="Martwe wiadomości").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Martwe wiadomości")
    rows = page.locator("tr[id^='dl-']")
    expect(rows).to_have_count(2)
    first = page.locator(f"tr[id='dl-{good}']")
    expect(first).to_contain_text("AssistantEmploymentChanged")
    expect(first).to_contain_text(ERROR)
    expect(first).to_contain_text("rejestr asystentów i instytucji")
    expect(first.locator("td[data-label='Próby']")).to_have_text("5")
    # The event's data is not on the page.
    assert "civil_law_contract" not in page.content() and "nonsense" not in page.content()
    screenshot(page, "admin-dead-letters")
    assert serious_violations(page, web_suite) == []

    first.get_by_role("button", name="Ponów AssistantEmploymentChanged").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Wynik ponowienia")
    expect(results).to_contain_text("przetworzona")
    expect(page.locator(f"tr[id='dl-{good}']")).to_have_count(0)
    screenshot(page, "admin-dead-letters-applied")

    page.locator(f"tr[id='dl-{bad}']").get_by_role("button", name="Ponów").click()
    expect(results).to_contain_text("ponownie nieudana")
    expect(results).to_contain_text("ValidationError")
    # What the error quotes of the event is not shown either.
    assert "nonsense" not in page.content()
    screenshot(page, "admin-dead-letters-failed-again")
    assert serious_violations(page, web_suite) == []
    # Failed again: a dead letter again, with the new error.
    again = page.locator("tr[id^='dl-']")
    expect(again).to_have_count(1)
    expect(again).to_contain_text("ValidationError")

    again.get_by_role("link", name="Usuń").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usunąć martwą wiadomość?")
    expect(page.locator("dl.facts")).to_contain_text("AssistantEmploymentChanged")
    screenshot(page, "admin-dead-letter-drop")
    assert serious_violations(page, web_suite) == []
    # Cancel leaves it in place; confirming drops it.
    page.get_by_role("link", name="Anuluj").click()
    expect(page.locator("tr[id^='dl-']")).to_have_count(1)
    page.locator("tr[id^='dl-']").get_by_role("link", name="Usuń").click()
    page.get_by_role("button", name="Usuń martwą wiadomość").click()
    expect(page.get_by_role("status")).to_contain_text("usunięto")
    expect(page.locator("tr[id^='dl-']")).to_have_count(0)
    expect(page.get_by_text("Brak martwych wiadomości").first).to_be_visible()
    screenshot(page, "admin-dead-letters-empty")
    assert _dead_letters(prefix) == 0
