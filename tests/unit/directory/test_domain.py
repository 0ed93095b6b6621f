"""The shape of the directory's domain: every event the service defines is handled by the
evolve of its aggregate, an unknown event is an error, and every error has its texts in the
catalogue."""

from __future__ import annotations

import importlib
import inspect

import pytest

import services.directory.domain.assistant.errors
import services.directory.domain.institution.errors  # noqa: F401 (registers the subclasses)
import shared.events.directory as directory_events
from services.directory.domain.assistant import ASSISTANT
from services.directory.domain.errors import DirectoryError
from services.directory.domain.institution import INSTITUTION
from services.directory.domain.messages import MESSAGES
from shared.events import DomainEvent, VisitLogged

# The packages re-export the function `evolve`; the modules are what declare HANDLED.
MODULES = [
    importlib.import_module("services.directory.domain.assistant.evolve"),
    importlib.import_module("services.directory.domain.institution.evolve"),
]


def test_every_event_of_the_service_is_handled_by_its_aggregate() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(directory_events, inspect.isclass)
        if issubclass(cls, DomainEvent) and cls.__module__ == directory_events.__name__
    }
    handled = set().union(*(module.HANDLED for module in MODULES))
    assert handled == defined
    for module in MODULES:
        assert set(module.EVENT_TYPES) == module.HANDLED


@pytest.mark.parametrize("kind", [ASSISTANT, INSTITUTION], ids=str)
def test_an_unknown_event_is_an_error_not_ignored(kind: object) -> None:
    with pytest.raises(TypeError):
        kind.evolve(kind.initial(), VisitLogged.model_construct())  # type: ignore[attr-defined]


def _subclasses(cls: type[DirectoryError]) -> list[type[DirectoryError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_error_has_polish_and_english_texts_in_the_catalogue() -> None:
    errors = _subclasses(DirectoryError)
    assert len(errors) >= 13
    for error in errors:
        message = MESSAGES[error.code]
        assert message.title_pl.strip() and message.title_en.strip(), error.code
    assert {error.code for error in errors} == set(MESSAGES)
