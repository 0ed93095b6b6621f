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
