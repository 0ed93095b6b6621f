"""An assistant's caseload: at most 15 families, of the assistant's own district."""

import uuid
from datetime import date

import pytest

from services.casework.domain.caseload import CASELOAD
from services.casework.domain.caseload.commands import (
    OpenCaseload,
    ReleaseCase,
    ResumeCaseload,
    SuspendCaseload,
    TakeCase,
)
from services.casework.domain.caseload.decide import (
    open_caseload,
    release,
    resume,
    suspend,
    take,
)
from services.casework.domain.caseload.errors import (
    AssistantNotWorking,
    AssistantOfAnotherDistrict,
    CaseloadLimitReached,
)
from shared.events import CaseAddedToCaseload, CaseloadOpened, CaseRemovedFromCaseload
from tests.unit.given import given

OCHOTA, WOLA = "1465068", "1465188"
ASSISTANT = uuid.uuid4()
TODAY = date(2026, 6, 1)


def caseload_with(n: int) -> list:
    return [CaseloadOpened(district=OCHOTA)] + [
        CaseAddedToCaseload(case_id=uuid.uuid4()) for _ in range(n)
    ]


def taking(case_id: uuid.UUID | None = None, district: str = OCHOTA) -> TakeCase:
    return TakeCase(assistant_id=ASSISTANT, case_id=case_id or uuid.uuid4(), case_district=district)


def test_a_registered_assistant_gets_an_empty_caseload_once() -> None:
    cmd = OpenCaseload(assistant_id=ASSISTANT, district=OCHOTA)
    assert open_caseload(given(CASELOAD), cmd, today=TODAY) == [CaseloadOpened(district=OCHOTA)]
    opened = given(CASELOAD, CaseloadOpened(district=OCHOTA))
    assert open_caseload(opened, cmd, today=TODAY) == []


def test_the_fifteenth_family_is_taken() -> None:
    state = given(CASELOAD, *caseload_with(14))
    case_id = uuid.uuid4()
    assert take(state, taking(case_id), today=TODAY) == [CaseAddedToCaseload(case_id=case_id)]


def test_the_sixteenth_family_is_refused() -> None:
    state = given(CASELOAD, *caseload_with(15))
    with pytest.raises(CaseloadLimitReached) as refused:
        take(state, taking(), today=TODAY)
    assert refused.value.params == {"active": 15, "limit": 15}
    assert "15" in refused.value.detail("pl")


def test_a_released_family_frees_a_place() -> None:
    events = caseload_with(15)
    released = events[1].case_id
    state = given(CASELOAD, *events, CaseRemovedFromCaseload(case_id=released))
    assert state.free_places == 1
    assert take(state, taking(), today=TODAY)


def test_taking_a_family_already_held_changes_nothing() -> None:
    events = caseload_with(15)
    assert take(given(CASELOAD, *events), taking(events[1].case_id), today=TODAY) == []


def test_an_assistant_takes_no_family_of_another_district() -> None:
    with pytest.raises(AssistantOfAnotherDistrict):
        take(given(CASELOAD, *caseload_with(0)), taking(district=WOLA), today=TODAY)


def test_releasing_a_family_not_held_changes_nothing() -> None:
    cmd = ReleaseCase(assistant_id=ASSISTANT, case_id=uuid.uuid4())
    assert release(given(CASELOAD, *caseload_with(3)), cmd, today=TODAY) == []


def test_an_assistant_who_stopped_working_takes_no_new_family() -> None:
    events = caseload_with(3)
    stop = SuspendCaseload(assistant_id=ASSISTANT, since=date(2026, 6, 30))
    (suspended,) = suspend(given(CASELOAD, *events), stop, today=TODAY)
    state = given(CASELOAD, *events, suspended)
    assert suspend(state, stop, today=TODAY) == []
    with pytest.raises(AssistantNotWorking):
        take(state, taking(), today=TODAY)
    back = ResumeCaseload(assistant_id=ASSISTANT, since=date(2026, 9, 1))
    (resumed,) = resume(state, back, today=TODAY)
    assert take(given(CASELOAD, *events, suspended, resumed), taking(), today=TODAY)
