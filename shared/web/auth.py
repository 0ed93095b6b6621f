"""Who is calling: bearer JWTs with a role and the districts the caller serves.

Tokens come from the city's identity provider (RS256, its public key in settings) or, in
development and tests, are signed with the shared secret from settings (HS256).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import jwt

from shared.domain.errors import DomainError, ErrorKind


class Role(StrEnum):
    SOCIAL_WORKER = "social_worker"
    ASSISTANT = "assistant"
    HEAD = "head"
    CITY_ANALYST = "city_analyst"
    SCHOOL = "school"
    COURT = "court"
    ADMIN = "admin"
    SERVICE = "service"  # another service of the suite, e.g. reporting reading event feeds


ALL_DISTRICTS = "*"


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    districts: frozenset[str]
    # The login the directory links to an assistant (the token's login claim; the subject
    # when the token has no such claim).
    login: str = ""
    # The assistant the directory links to `login`, found by the service that checks access.
    linked_assistant: UUID | None = None

    @property
    def assistant_id(self) -> UUID | None:
        """Which assistant calls: the one linked to the token's login or, for development
        tokens issued before logins, the one whose id is the subject; None for other roles."""
        if self.role is not Role.ASSISTANT:
            return None
        if self.linked_assistant is not None:
            return self.linked_assistant
        try:
            return UUID(self.subject)
        except ValueError:
            return None

    @property
    def actor(self) -> str:
        """How the principal is named in events and audit records."""
        return f"{self.role.value}:{self.subject}"

    def serves(self, district: str) -> bool:
        return ALL_DISTRICTS in self.districts or district in self.districts


class AuthenticationFailed(DomainError):
    code = "unauthenticated"
    kind = ErrorKind.FORBIDDEN
    title_pl = "Brak uwierzytelnienia"
    title_en = "Not authenticated"
    detail_pl = "Potrzebny jest ważny token (nagłówek Authorization: Bearer …): {reason}."
    detail_en = "A valid bearer token is required (Authorization: Bearer …): {reason}."


# Tokens verified lately, remembered per verifier (the oldest forgotten first).
REMEMBERED_TOKENS = 4096


class TokenVerifier:
    """Checks a bearer token's signature, audience and claims, and makes its Principal.

    A token verified once is remembered by its text, with the instants it is valid between:
    its signature and claims are the same on its next request, so only its validity window is
    checked again (a session sends the same token on every request; the signature costs tens
    of microseconds with HS256, more with the provider's RS256). A token that failed is never
    remembered, and one past its `exp` is verified anew, which refuses it as before."""

    def __init__(
        self,
        *,
        secret: str | None,
        public_key: str | None,
        audience: str,
        login_claim: str = "sub",
    ) -> None:
        if public_key:
            self._key: Any = public_key
            self._algorithms = ["RS256"]
        elif secret:
            self._key = secret
            self._algorithms = ["HS256"]
        else:
            raise ValueError("a JWT secret or public key is required")
        self._audience = audience
        self._login_claim = login_claim
        # token -> (its principal, valid from, valid until): as PyJWT checks them (`iat` and
        # `nbf` not after now, `exp` after now), in seconds since the epoch.
        self._verified: dict[str, tuple[Principal, float, float]] = {}

    def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, valid_from, valid_until = remembered
            if valid_from <= time.time() < valid_until:
                return principal
            del self._verified[token]
        principal, claims = self._verified_claims(token)
        if len(self._verified) >= REMEMBERED_TOKENS:
            del self._verified[next(iter(self._verified))]
        valid_from = max(_instant(claims.get("iat")), _instant(claims.get("nbf")))
        self._verified[token] = (principal, valid_from, float(int(claims["exp"])))
        return principal

    def _verified_claims(self, token: str) -> tuple[Principal, dict[str, Any]]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                audience=self._audience,
                options={"require": ["sub", "exp", "role"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationFailed(reason="token wygasł") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationFailed(
                reason=f"token nieprawidłowy ({type(exc).__name__})"
            ) from exc
        try:
            role = Role(claims["role"])
        except ValueError as exc:
            raise AuthenticationFailed(reason="nieznana rola") from exc
        districts = claims.get("districts", [])
        if not isinstance(districts, list) or not all(isinstance(d, str) for d in districts):
            raise AuthenticationFailed(reason="pole districts musi być listą kodów TERC")
        subject = str(claims["sub"])
        login = claims.get(self._login_claim)
        principal = Principal(
            subject=subject,
            role=role,
            districts=frozenset(districts),
            login=str(login) if isinstance(login, str | int) and str(login) else subject,
        )
        return principal, claims


def _instant(claim: Any) -> float:
    """A verified token's `iat` or `nbf` (PyJWT checked it is an integer), or no bound."""
    return float("-inf") if claim is None else float(int(claim))


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    districts: Iterable[str] = (),
    audience: str = "asysta",
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """Sign an HS256 token: for development, tests and service-to-service calls."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": role.value,
        "districts": sorted(districts),
        "aud": audience,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
