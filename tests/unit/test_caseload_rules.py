"""An assistant's caseload: at most 15 families, of the assistant's own district."""

import uuid

import pytest

from services.casework.domain.caseload import (
    CASELOAD,
    AssistantOfAnotherDistrict,
    CaseloadLimitReached,
    open_caseload,
    release,
    take,
)
from shared.events import CaseAddedToCaseload, CaseloadOpened, CaseRemovedFromCaseload
from tests.unit.given import given

OCHOTA, WOLA = "1465068", "1465188"


def caseload_with(n: int) -> list:
    return [CaseloadOpened(district=OCHOTA)] + [
        CaseAddedToCaseload(case_id=uuid.uuid4()) for _ in range(n)
    ]


def test_a_registered_assistant_gets_an_empty_caseload_once() -> None:
    assert open_caseload(given(CASELOAD), district=OCHOTA) == [CaseloadOpened(district=OCHOTA)]
    assert open_caseload(given(CASELOAD, CaseloadOpened(district=OCHOTA)), district=OCHOTA) == []


def test_the_fifteenth_family_is_taken() -> None:
    state = given(CASELOAD, *caseload_with(14))
    case_id = uuid.uuid4()
    assert take(state, case_id=case_id, case_district=OCHOTA) == [
        CaseAddedToCaseload(case_id=case_id)
    ]


def test_the_sixteenth_family_is_refused() -> None:
    state = given(CASELOAD, *caseload_with(15))
    with pytest.raises(CaseloadLimitReached) as refused:
        take(state, case_id=uuid.uuid4(), case_district=OCHOTA)
    assert refused.value.params == {"active": 15, "limit": 15}
    assert "15" in refused.value.detail("pl")


def test_a_released_family_frees_a_place() -> None:
    events = caseload_with(15)
    released = events[1].case_id
    state = given(CASELOAD, *events, CaseRemovedFromCaseload(case_id=released))
    assert state.free_places == 1
    assert take(state, case_id=uuid.uuid4(), case_district=OCHOTA)


def test_taking_a_family_already_held_changes_nothing() -> None:
    events = caseload_with(15)
    assert take(given(CASELOAD, *events), case_id=events[1].case_id, case_district=OCHOTA) == []


def test_an_assistant_takes_no_family_of_another_district() -> None:
    with pytest.raises(AssistantOfAnotherDistrict):
        take(given(CASELOAD, *caseload_with(0)), case_id=uuid.uuid4(), case_district=WOLA)


def test_releasing_a_family_not_held_changes_nothing() -> None:
    assert release(given(CASELOAD, *caseload_with(3)), case_id=uuid.uuid4()) == []


def test_an_assistant_who_stopped_working_takes_no_new_family() -> None:
    from datetime import date

    from services.casework.domain.caseload import AssistantNotWorking, resume, suspend

    events = caseload_with(3)
    (suspended,) = suspend(given(CASELOAD, *events), since=date(2026, 6, 30))
    state = given(CASELOAD, *events, suspended)
    assert suspend(state, since=date(2026, 7, 1)) == []
    with pytest.raises(AssistantNotWorking):
        take(state, case_id=uuid.uuid4(), case_district=OCHOTA)
    (resumed,) = resume(state, since=date(2026, 9, 1))
    assert take(
        given(CASELOAD, *events, suspended, resumed), case_id=uuid.uuid4(), case_district=OCHOTA
    )
