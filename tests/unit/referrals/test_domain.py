"""The shape of the referrals domain: every event the service defines is handled by the evolve
of its aggregate, an unknown event is an error, and every error has its texts in the
catalogue."""

from __future__ import annotations

import importlib
import inspect

import pytest

import services.referrals.domain.referral.errors  # noqa: F401 (registers the subclasses)
import shared.events.referrals as referral_events
from services.referrals.domain import court_request, family, referral
from services.referrals.domain.errors import ReferralsError
from services.referrals.domain.messages import MESSAGES
from shared.events import DomainEvent, VisitLogged

# The package re-exports the function `evolve`; the module is what declares HANDLED.
referral_evolve = importlib.import_module("services.referrals.domain.referral.evolve")
MODULES = [referral_evolve, court_request, family]


def test_every_event_of_the_service_is_handled_by_its_aggregate() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(referral_events, inspect.isclass)
        if issubclass(cls, DomainEvent) and cls.__module__ == referral_events.__name__
    }
    handled = set().union(*(module.HANDLED for module in MODULES))
    assert handled == defined
    for module in MODULES:
        assert set(module.EVENT_TYPES) == module.HANDLED


@pytest.mark.parametrize(
    "kind", [referral.REFERRAL, court_request.COURT_REQUEST, family.FAMILY], ids=str
)
def test_an_unknown_event_is_an_error_not_ignored(kind: object) -> None:
    with pytest.raises(TypeError):
        kind.evolve(kind.initial(), VisitLogged.model_construct())  # type: ignore[attr-defined]


def _subclasses(cls: type[ReferralsError]) -> list[type[ReferralsError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_error_has_polish_and_english_texts_in_the_catalogue() -> None:
    errors = _subclasses(ReferralsError)
    assert len(errors) >= 10
    for error in errors:
        message = MESSAGES[error.code]
        assert message.title_pl.strip() and message.title_en.strip(), error.code
    assert {error.code for error in errors} == set(MESSAGES)


def test_events_stored_before_the_new_fields_still_read() -> None:
    from shared.events import (
        AssistanceGranted,
        CourtOpinionRequestReceived,
        FamilyDataErased,
        FamilyInterviewRecorded,
    )

    member = {
        "role": "parent",
        "first_name": "Anna",
        "last_name": "Nowak",
        "pesel": "88061412365",
        "birth_date": "1988-06-14",
        "document_number": None,
    }
    granted = AssistanceGranted.model_validate(
        {
            "family_id": "7b0e5a0c-0000-4000-8000-000000000001",
            "source": "family",
            "obligatory": False,
            "decided_on": "2026-01-05",
            "members": [member],
        }
    )
    assert granted.justification is None
    assert "justification" in granted.model_dump(mode="json")
    request = CourtOpinionRequestReceived.model_validate(
        {
            "case_id": "7b0e5a0c-0000-4000-8000-000000000002",
            "family_id": "7b0e5a0c-0000-4000-8000-000000000001",
            "court_name": "Sąd Rejonowy",
            "case_signature": "III Nsm 1/26",
            "received_on": "2026-01-05",
            "deadline": "2026-02-05",
        }
    )
    assert request.district is None
    erased = FamilyDataErased.model_validate({"erased_on": "2026-01-05", "reason": "upływ"})
    assert erased.district is None
    interview = FamilyInterviewRecorded.model_validate(
        {"conducted_on": "2026-01-05", "social_worker": "Anna Kaczmarek", "summary": ""}
    )
    assert interview.summary == ""
