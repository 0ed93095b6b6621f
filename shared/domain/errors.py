"""Domain errors: what a rule refused, in words a user reads (Polish, or English on request).

Errors know nothing of HTTP. Each has a stable `code` (the problem type's last segment) and a
`kind` that the API maps to a status: not found 404, conflict with the current state 409,
invalid request 422, forbidden 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


class ErrorKind(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Message:
    """What a user reads for one error code: a title and a detail template (over the error's
    parameters), in Polish and English."""

    title_pl: str
    title_en: str
    detail_pl: str = ""
    detail_en: str = ""


class DomainError(Exception):
    """Base of every refusal a user may see. Subclasses set `code` and `kind`; the texts come
    from the `catalogue` of their service (one table per service, keyed by code), whose
    templates are formatted with the keyword arguments given to the constructor."""

    code: ClassVar[str] = "domain-error"
    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    catalogue: ClassVar[Mapping[str, Message]] = {}
    title_pl: ClassVar[str] = "Operacja niedozwolona"
    title_en: ClassVar[str] = "Operation not allowed"
    detail_pl: ClassVar[str] = ""
    detail_en: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.detail("en") or self.title("en"))

    @property
    def message(self) -> Message:
        found = self.catalogue.get(self.code)
        if found is not None:
            return found
        return Message(self.title_pl, self.title_en, self.detail_pl, self.detail_en)

    def title(self, language: str) -> str:
        message = self.message
        return message.title_en if language == "en" else message.title_pl

    def detail(self, language: str) -> str:
        message = self.message
        template = message.detail_en if language == "en" else message.detail_pl
        return template.format(**self.params) if template else ""


ENTITY_NAMES: dict[str, tuple[str, str]] = {
    # entity: (Polish genitive, English)
    "assistant": ("asystenta", "assistant"),
    "referral": ("zgłoszenia", "referral"),
    "case": ("sprawy", "case"),
    "institution": ("instytucji", "institution"),
    "family": ("rodziny", "family"),
    "notification": ("powiadomienia", "notification"),
    "device_record": ("zapisu z urządzenia", "record from a device"),
}


class NotFound(DomainError):
    """`entity` is a key of ENTITY_NAMES; `id` the identifier asked for."""

    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title_pl = "Nie znaleziono"
    title_en = "Not found"

    def detail(self, language: str) -> str:
        pl, en = ENTITY_NAMES.get(str(self.params.get("entity")), ("obiektu", "record"))
        if language == "en":
            return f"There is no {en} with id {self.params.get('id')}."
        return f"Nie ma {pl} o identyfikatorze {self.params.get('id')}."


class ConcurrentChange(DomainError):
    """Someone changed the same record in the meantime; the user should reload and retry."""

    code = "concurrent-change"
    kind = ErrorKind.CONFLICT
    title_pl = "Zmiana w międzyczasie"
    title_en = "Changed in the meantime"
    detail_pl = "Ktoś w tym samym czasie zmienił tę sprawę. Odśwież dane i spróbuj ponownie."
    detail_en = "Someone changed this record at the same time. Reload and try again."
