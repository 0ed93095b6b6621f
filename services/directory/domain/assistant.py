"""An assistant as the directory knows them: registered once, in one district centre."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.aggregate import AggregateType
from shared.errors import DomainError, ErrorKind
from shared.events import AssistantRegistered, DomainEvent, EmploymentForm


@dataclass(frozen=True)
class Assistant:
    registered: bool = False
    district: str | None = None
    employment_form: EmploymentForm | None = None


@dataclass(frozen=True)
class RegisterAssistant:
    first_name: str
    last_name: str
    district: str
    employment_form: EmploymentForm
    works_since: date


class AssistantAlreadyRegistered(DomainError):
    code = "assistant-already-registered"
    kind = ErrorKind.CONFLICT
    title_pl = "Asystent już zarejestrowany"
    title_en = "Assistant already registered"
    detail_pl = "Ten asystent jest już w rejestrze."
    detail_en = "This assistant is already registered."


def register(state: Assistant, command: RegisterAssistant) -> list[DomainEvent]:
    if state.registered:
        raise AssistantAlreadyRegistered()
    return [
        AssistantRegistered(
            first_name=command.first_name,
            last_name=command.last_name,
            district=command.district,
            employment_form=command.employment_form,
            works_since=command.works_since,
        )
    ]


def evolve(state: Assistant, event: DomainEvent) -> Assistant:
    match event:
        case AssistantRegistered():
            return replace(
                state,
                registered=True,
                district=event.district,
                employment_form=event.employment_form,
            )
    return state


ASSISTANT = AggregateType[Assistant](name="assistant", initial=Assistant, evolve=evolve)
