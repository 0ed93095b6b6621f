"""Validation errors users read, in Polish with the English text alongside.

Raised inside pydantic validators as `invalid(...)`; the HTTP layer shows the Polish message,
or the English one to a caller who asked for English."""

from __future__ import annotations

from pydantic_core import PydanticCustomError


def invalid(code: str, polish: str, english: str) -> PydanticCustomError:
    """A validation error of type `code` (stable, e.g. "invalid_pesel")."""
    return PydanticCustomError(code, polish, {"en": english})
