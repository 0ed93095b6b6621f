"""Calls to the four services' APIs, always with the signed-in person's own bearer token, so
each service applies its own rules of access: the web app never widens what a token may see."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from shared.runtime.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")


@dataclass
class ApiError(Exception):
    """A service answered 4xx/5xx (with its problem details) or did not answer at all."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.problem.get("title", ""))

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail", ""))

    def field_errors(self) -> dict[str, str]:
        """422 problem details' `errors` by field path ("members.0.pesel" -> message)."""
        errors: dict[str, str] = {}
        for error in self.problem.get("errors", []) or []:
            name = str(error.get("field", ""))
            errors.setdefault(name, str(error.get("message", "")))
        return errors


class Services:
    """One pooled HTTP client per service, shared by every request of the web app; the token
    is passed per call and never stored here."""

    def __init__(self, urls: dict[str, str], *, timeout: float) -> None:
        self._clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()
        }

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients.values()))

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str,
        lang: str = "pl",
        correlation_id: str | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
        if correlation_id:
            headers["X-Correlation-ID"] = correlation_id
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self._clients[service].request(
                method, path, params=clean, json=json, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("web.service_unreachable", service=service, error=type(exc).__name__)
            raise ApiError(503, {"title": "service unavailable"}) from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})
        return response


@dataclass
class Api:
    """The services as one signed-in person: `await api.get("casework", "/cases")`."""

    services: Services
    token: str
    lang: str
    correlation_id: str | None = None

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.services.request(
            service,
            method,
            path,
            token=self.token,
            lang=self.lang,
            correlation_id=self.correlation_id,
            **kwargs,
        )

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return (await self.call(service, "GET", path, params=params)).json()

    async def post(self, service: str, path: str, body: Any) -> Any:
        response = await self.call(service, "POST", path, json=body)
        return response.json() if response.content else None

    async def put(self, service: str, path: str, body: Any) -> Any:
        response = await self.call(service, "PUT", path, json=body)
        return response.json() if response.content else None

    async def get_or_none(self, service: str, path: str, **params: Any) -> Any:
        """The answer, or None when the service says 404 or 403 (not this person's)."""
        try:
            return await self.get(service, path, **params)
        except ApiError as exc:
            if exc.status in (403, 404):
                return None
            raise


async def gather_limited(calls: Iterable[Awaitable[T]], limit: int = 8) -> list[T]:
    """Run calls concurrently, at most `limit` at a time (details fetched per list item)."""
    semaphore = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with semaphore:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))
