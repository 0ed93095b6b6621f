"""The OpenAPI schema of a service, with the problem-details answers every route may give."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "type": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_PROBLEM_STATUSES = {
    "400": "Nieprawidłowy JSON",
    "401": "Brak lub nieważny token",
    "403": "Brak uprawnień",
    "404": "Nie znaleziono (także: zasób innej dzielnicy)",
    "409": "Reguła nie pozwala na to w obecnym stanie",
    "413": "Za duże żądanie",
    "422": "Nieprawidłowe dane",
}


def openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with the problem-details answers every route may give (instead of
    FastAPI's own 422 shape, which we do not send)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = _PROBLEM_STATUSES if path not in ("/health", "/ready") else {}
            for status, description in statuses.items():
                responses[status] = {"description": description, "content": problem}
    app.openapi_schema = schema
    return schema
