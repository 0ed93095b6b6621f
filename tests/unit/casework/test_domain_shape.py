"""The casework domain's contracts: every event of an aggregate has an evolve rule, an unknown
event is refused, and every refusal has its texts in the catalogue."""

from __future__ import annotations

import inspect

import pytest

import services.casework.domain.case.errors as case_errors
import services.casework.domain.caseload.errors as caseload_errors
import services.casework.domain.device.errors as device_errors
import shared.events.casework as casework_events
from services.casework.domain.case import CASE
from services.casework.domain.case.evolve import HANDLED as CASE_HANDLED
from services.casework.domain.case.evolve import UnknownCaseEvent
from services.casework.domain.caseload import CASELOAD
from services.casework.domain.caseload.evolve import HANDLED as CASELOAD_HANDLED
from services.casework.domain.device.evolve import HANDLED as HELD_RECORD_HANDLED
from services.casework.domain.errors import CaseworkError
from services.casework.domain.messages import MESSAGES
from shared.events import AssistantRegistered, DomainEvent

CASELOAD_EVENTS = {
    casework_events.CaseloadOpened,
    casework_events.CaseloadSuspended,
    casework_events.CaseloadResumed,
    casework_events.CaseAddedToCaseload,
    casework_events.CaseRemovedFromCaseload,
}
HELD_RECORD_EVENTS = {
    casework_events.DeviceRecordHeld,
    casework_events.HeldRecordApplied,
    casework_events.HeldRecordDiscarded,
}
ALL_EVENTS = {
    cls
    for _, cls in inspect.getmembers(casework_events, inspect.isclass)
    if issubclass(cls, DomainEvent)
    and cls is not DomainEvent
    and cls.__module__ == casework_events.__name__
}


def test_every_case_event_has_an_evolve_rule() -> None:
    assert set(CASE_HANDLED) == ALL_EVENTS - CASELOAD_EVENTS - HELD_RECORD_EVENTS


def test_every_held_record_event_has_an_evolve_rule() -> None:
    assert set(HELD_RECORD_HANDLED) == HELD_RECORD_EVENTS


def test_every_caseload_event_has_an_evolve_rule() -> None:
    assert set(CASELOAD_HANDLED) == CASELOAD_EVENTS


def test_an_event_a_case_does_not_know_is_refused_not_skipped() -> None:
    foreign = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district="1465068",
        employment_form="employment_contract",
        works_since="2026-01-01",
    )
    with pytest.raises(UnknownCaseEvent):
        CASE.fold([foreign])
    with pytest.raises(TypeError):
        CASELOAD.fold([foreign])


ERRORS = [
    cls
    for module in (case_errors, caseload_errors, device_errors)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if issubclass(cls, CaseworkError) and cls is not CaseworkError
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_every_refusal_has_polish_and_english_texts(error: type[CaseworkError]) -> None:
    message = MESSAGES[error.code]
    assert message.title_pl.strip()
    assert message.title_en.strip()
    assert message.title_pl != message.title_en
    assert bool(message.detail_pl) == bool(message.detail_en)


def test_the_status_message_names_the_action_in_each_language() -> None:
    refused = case_errors.WrongCaseStatus(state="closed", action="work", allowed="active")
    assert "praca z rodziną" in refused.detail("pl")
    assert "work with the family" in refused.detail("en")


def test_the_domain_loads_no_database_http_or_crypto_library() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import services.casework.domain.case.decide, services.casework.domain.caseload.decide\n"
        "import services.casework.domain.device.decide\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'cryptography', 'fastapi', 'redis', 'faststream'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
