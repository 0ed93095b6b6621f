"""Domain errors: what a rule refused, in words a user reads (Polish, or English on request).

Errors know nothing of HTTP. Each has a stable `code` (the problem type's last segment) and a
`kind` that the API maps to a status: not found 404, conflict with the current state 409,
invalid request 422, forbidden 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorKind(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


class DomainError(Exception):
    """Base of every refusal a user may see. Subclasses set `code`, `kind` and the messages;
    messages are format strings over the keyword arguments given to the constructor."""

    code: ClassVar[str] = "domain-error"
    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    title_pl: ClassVar[str] = "Operacja niedozwolona"
    title_en: ClassVar[str] = "Operation not allowed"
    detail_pl: ClassVar[str] = ""
    detail_en: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.detail("en") or self.title_en)

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_pl

    def detail(self, language: str) -> str:
        template = self.detail_en if language == "en" else self.detail_pl
        return template.format(**self.params) if template else ""


ENTITY_NAMES: dict[str, tuple[str, str]] = {
    # entity: (Polish genitive, English)
    "assistant": ("asystenta", "assistant"),
    "referral": ("zgłoszenia", "referral"),
    "case": ("sprawy", "case"),
    "institution": ("instytucji", "institution"),
    "family": ("rodziny", "family"),
    "notification": ("powiadomienia", "notification"),
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
