"""The session: an encrypted, signed cookie (Fernet), HttpOnly, SameSite=Lax, Secure outside
development. It holds the signed-in person (subject, role, districts, name), their bearer token
for the services, the CSRF token and the language; no case data.

Starlette's SessionMiddleware only signs its cookie (anyone holding it could read the bearer
token inside); this one encrypts it as well. It fills `scope["session"]` like Starlette's, so
Authlib's Starlette client keeps its OIDC state and PKCE verifier there.
"""

from __future__ import annotations

import base64
import hashlib
import json
from http.cookies import SimpleCookie
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "asysta_session"


def fernet_for(secret: str) -> Fernet:
    key = hashlib.sha256(b"asysta-web-session:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedSessionMiddleware:
    def __init__(self, app: ASGIApp, *, secret: str, max_age_seconds: int, secure: bool) -> None:
        self.app = app
        self.fernet = fernet_for(secret)
        self.max_age = max_age_seconds
        self.secure = secure

    def _load(self, scope: Scope) -> dict[str, Any]:
        for name, value in scope["headers"]:
            if name != b"cookie":
                continue
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no session
                return {}
            morsel = cookie.get(COOKIE_NAME)
            if morsel is None:
                continue
            try:
                data = self.fernet.decrypt(morsel.value.encode(), ttl=self.max_age)
                loaded = json.loads(data)
            except (InvalidToken, ValueError):
                return {}
            return loaded if isinstance(loaded, dict) else {}
        return {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self._load(scope)
        had_session = bool(session)
        scope["session"] = session
        original = json.dumps(session, sort_keys=True)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                headers = MutableHeaders(scope=message)
                flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                if current and json.dumps(current, sort_keys=True) != original:
                    token = self.fernet.encrypt(json.dumps(current).encode()).decode()
                    headers.append(
                        "Set-Cookie", f"{COOKIE_NAME}={token}; Max-Age={self.max_age}{flags}"
                    )
                elif not current and had_session:
                    headers.append("Set-Cookie", f"{COOKIE_NAME}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
