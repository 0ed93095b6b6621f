"""Problem details (RFC 9457) for every refusal an API gives, in Polish or, on request, English."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain.errors import DomainError, ErrorKind
from shared.runtime.logging import get_logger
from shared.web.auth import AuthenticationFailed

log = get_logger(__name__)
PROBLEM_BASE = "https://asysta.pl/problems/"

STATUS_OF_KIND = {
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.INVALID: 422,
    ErrorKind.FORBIDDEN: 403,
}


def language_of(request: Request) -> str:
    """'en' if the caller prefers English to Polish, else 'pl' (our users read Polish)."""
    header = request.headers.get("accept-language", "")
    best, best_q = "pl", -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        if lang not in ("pl", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang, q
    return best


def problem(
    status: int, code: str, title: str, detail: str = "", **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthenticated" else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


_VALIDATION_PL = {
    "missing": "pole wymagane",
    "extra_forbidden": "nieznane pole",
    "string_too_short": "tekst za krótki",
    "string_too_long": "tekst za długi",
    "string_type": "oczekiwano tekstu",
    "int_parsing": "oczekiwano liczby całkowitej",
    "int_type": "oczekiwano liczby całkowitej",
    "bool_parsing": "oczekiwano wartości logicznej",
    "date_from_datetime_parsing": "oczekiwano daty RRRR-MM-DD",
    "date_parsing": "oczekiwano daty RRRR-MM-DD",
    "date_type": "oczekiwano daty RRRR-MM-DD",
    "uuid_parsing": "oczekiwano identyfikatora UUID",
    "enum": "wartość spoza listy dozwolonych",
    "literal_error": "wartość spoza listy dozwolonych",
    "greater_than": "wartość za mała",
    "greater_than_equal": "wartość za mała",
    "less_than": "wartość za duża",
    "less_than_equal": "wartość za duża",
    "too_short": "za mało elementów",
    "too_long": "za dużo elementów",
    "json_invalid": "nieprawidłowy JSON",
    "model_attributes_type": "oczekiwano obiektu",
    "dict_type": "oczekiwano obiektu",
    "list_type": "oczekiwano listy",
    "tuple_type": "oczekiwano listy",
}


def _validation_message(error: dict[str, Any], language: str) -> str:
    english = (error.get("ctx") or {}).get("en")
    if english is not None:
        # Our own validators (shared.domain.validation.invalid) carry both languages.
        return str(english) if language == "en" else str(error.get("msg", ""))
    if error.get("type") == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if language == "pl":
        return _VALIDATION_PL.get(str(error.get("type")), str(error.get("msg", "")))
    return str(error.get("msg", ""))


# RFC 9457 members an error's own parameters must not overwrite; "reason" may carry detail
# not meant for the caller beyond the message.
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "reason"})


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        language = language_of(request)
        status = STATUS_OF_KIND[exc.kind]
        if isinstance(exc, AuthenticationFailed):
            status = 401
        return problem(
            status,
            exc.code,
            exc.title(language),
            exc.detail(language),
            **{k: str(v) for k, v in exc.params.items() if k not in _RESERVED},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "type": str(e.get("type", "")),
                "message": _validation_message(e, language),
            }
            for e in exc.errors()
        ]
        malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
        if malformed:
            return problem(
                400,
                "malformed-json",
                "Nieprawidłowy JSON" if language == "pl" else "Malformed JSON",
                "Treść żądania nie jest poprawnym dokumentem JSON."
                if language == "pl"
                else "The request body is not valid JSON.",
            )
        return problem(
            422,
            "invalid-request",
            "Nieprawidłowe dane" if language == "pl" else "Invalid request",
            "Popraw wskazane pola." if language == "pl" else "Correct the fields listed.",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        language = language_of(request)
        titles = {
            404: ("Nie znaleziono", "Not found"),
            405: ("Metoda niedozwolona", "Method not allowed"),
            413: ("Za duże żądanie", "Request too large"),
            415: ("Nieobsługiwany format", "Unsupported media type"),
        }
        pl, en = titles.get(exc.status_code, ("Błąd żądania", "Request error"))
        return problem(exc.status_code, f"http-{exc.status_code}", pl if language == "pl" else en)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The type only: the message may quote SQL parameters or what the caller sent.
        log.error("http.unexpected_error", error_type=type(exc).__name__)
        return internal_error(request)


def internal_error(request: Request) -> JSONResponse:
    """The 500 problem: nothing about the cause, the correlation id to report."""
    language = language_of(request)
    return problem(
        500,
        "internal-error",
        "Błąd wewnętrzny" if language == "pl" else "Internal error",
        "Zgłoś administratorowi identyfikator korelacji z nagłówka X-Correlation-ID."
        if language == "pl"
        else "Report the X-Correlation-ID to the administrator.",
    )
