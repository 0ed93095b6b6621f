"""An assistant's login, from the provider's claims to the principal a service sees: the web
app reads it from the claim its settings name, a service reads it from the access token's
claim (ASYSTA_JWT_LOGIN_CLAIM), and the principal is the assistant the directory links to it,
or the one whose id is the subject (development tokens), or no one."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from services.web.settings import WebSettings
from services.web.signin import user_from_claims
from shared.web.auth import Principal, Role, TokenVerifier, issue_token

SECRET = "a-jwt-secret-of-at-least-32-characters-long"


def test_the_web_app_takes_an_assistants_login_from_the_configured_claim() -> None:
    claims = {
        "sub": "3f2c1d7e-0000-4000-8000-000000000001",
        "preferred_username": "anna.nowak",
        "asysta_role": "assistant",
        "asysta_districts": ["1465068"],
        "name": "Anna Nowak",
    }
    user = user_from_claims(WebSettings(), claims, "access-token")
    assert user is not None and user.login == "anna.nowak"
    by_subject = user_from_claims(WebSettings(oidc_login_claim="sub"), claims, "access-token")
    assert by_subject is not None and by_subject.login == claims["sub"]
    # Without the claim, the subject; and only assistants have a login.
    del claims["preferred_username"]
    assert user_from_claims(WebSettings(), claims, "t").login == claims["sub"]  # type: ignore[union-attr]
    head = user_from_claims(WebSettings(), {**claims, "asysta_role": "head"}, "t")
    assert head is not None and head.login == ""


def _token(claims: dict[str, object]) -> str:
    now = datetime.now(UTC)
    return jwt.encode(
        {"aud": "asysta", "iat": now, "exp": now + timedelta(minutes=5), **claims},
        SECRET,
        algorithm="HS256",
    )


def test_a_service_reads_the_login_from_the_access_tokens_claim() -> None:
    claims = {"sub": "kc-1", "role": "assistant", "preferred_username": "anna.nowak"}
    by_username = TokenVerifier(
        secret=SECRET, public_key=None, audience="asysta", login_claim="preferred_username"
    )
    assert by_username.verify(_token(claims)).login == "anna.nowak"
    by_subject = TokenVerifier(secret=SECRET, public_key=None, audience="asysta")
    assert by_subject.verify(_token(claims)).login == "kc-1"


def test_the_assistant_is_the_one_linked_to_the_login_else_the_subject_if_an_id() -> None:
    linked, own = uuid.uuid4(), uuid.uuid4()
    verifier = TokenVerifier(secret=SECRET, public_key=None, audience="asysta")
    by_login = verifier.verify(issue_token(SECRET, subject="anna.nowak", role=Role.ASSISTANT))
    assert by_login.assistant_id is None  # linked to no one (yet)
    assert dataclasses.replace(by_login, linked_assistant=linked).assistant_id == linked
    by_id = verifier.verify(issue_token(SECRET, subject=str(own), role=Role.ASSISTANT))
    assert by_id.assistant_id == own
    # Other roles are never an assistant, whatever their subject.
    head = Principal(str(own), Role.HEAD, frozenset({"1465068"}), linked_assistant=linked)
    assert head.assistant_id is None
