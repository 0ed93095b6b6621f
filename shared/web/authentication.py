"""Who is calling: the bearer token of every request but the health checks, verified."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.web.auth import AuthenticationFailed, Principal, Role, TokenVerifier

_bearer = HTTPBearer(auto_error=False)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed(reason="brak tokenu")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    if principal.role is Role.ASSISTANT:
        principal = await _linked(request, principal)
    structlog.contextvars.bind_contextvars(actor_role=principal.role.value)
    request.state.principal = principal  # for the access log line
    return principal


async def _linked(request: Request, principal: Principal) -> Principal:
    """An assistant's token names them by their login: the service's own read model of the
    directory's links says which assistant that is (the web app is trusted no more than a
    token). A subject that is an assistant's id works without one (development tokens)."""
    runtime = getattr(request.app.state, "runtime", None)
    lookup = getattr(runtime, "assistant_logins", None)
    if lookup is None or not principal.login:
        return principal
    found = await lookup(principal.login)
    return dataclasses.replace(principal, linked_assistant=found) if found else principal
