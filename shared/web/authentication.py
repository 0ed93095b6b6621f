"""Who is calling: the bearer token of every request but the health checks, verified."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.web.auth import AuthenticationFailed, Principal, TokenVerifier

_bearer = HTTPBearer(auto_error=False)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed(reason="brak tokenu")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    structlog.contextvars.bind_contextvars(actor_role=principal.role.value)
    request.state.principal = principal  # for the access log line
    return principal
