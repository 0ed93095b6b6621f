"""Tokens and the settings that guard them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from shared.runtime.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings
from shared.web import auth
from shared.web.auth import AuthenticationFailed, Role, TokenVerifier, issue_token


def test_an_hs256_token_names_the_role_and_districts() -> None:
    verifier = TokenVerifier(secret="s" * 40, public_key=None, audience="asysta")
    principal = verifier.verify(
        issue_token("s" * 40, subject="head-1", role=Role.HEAD, districts=["1465068"])
    )
    assert (principal.role, principal.districts) == (Role.HEAD, frozenset({"1465068"}))
    assert principal.serves("1465068") and not principal.serves("1465188")


def test_an_rs256_token_of_the_citys_identity_provider_is_accepted() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    claims = {
        "sub": "analyst",
        "role": "city_analyst",
        "districts": ["*"],
        "aud": "asysta",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    signed = jwt.encode(claims, private, algorithm="RS256")
    verifier = TokenVerifier(secret=None, public_key=public_pem, audience="asysta")
    assert verifier.verify(signed).role is Role.CITY_ANALYST
    with pytest.raises(AuthenticationFailed):  # an HS256 token forged with the public key
        verifier.verify(jwt.encode(claims, public_pem.encode().hex(), algorithm="HS256"))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x", "role": "head", "aud": "asysta", "exp": -60},  # expired
        {"sub": "x", "role": "head", "aud": "someone-else", "exp": 600},
        {"sub": "x", "role": "janitor", "aud": "asysta", "exp": 600},
        {"sub": "x", "aud": "asysta", "exp": 600},  # no role
        {"sub": "x", "role": "head", "aud": "asysta", "exp": 600, "districts": "1465068"},
    ],
)
def test_bad_tokens_are_refused(claims: dict[str, object]) -> None:
    claims = {**claims, "exp": datetime.now(UTC) + timedelta(seconds=int(claims["exp"]))}
    verifier = TokenVerifier(secret="s" * 40, public_key=None, audience="asysta")
    with pytest.raises(AuthenticationFailed):
        verifier.verify(jwt.encode(claims, "s" * 40, algorithm="HS256"))


def test_a_verified_token_is_remembered_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = TokenVerifier(secret="s" * 40, public_key=None, audience="asysta")
    token = issue_token("s" * 40, subject="a-1", role=Role.ASSISTANT, ttl=timedelta(minutes=5))
    decoded = []
    decode = jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: decoded.append(1) or decode(*a, **k))
    first = verifier.verify(token)
    assert verifier.verify(token) is first and len(decoded) == 1  # its signature checked once

    # Outside its validity window it is verified anew (PyJWT, on its own clock, refuses an
    # expired one: test_bad_tokens_are_refused).
    now = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: now + 301)  # past its exp
    verifier.verify(token)
    monkeypatch.setattr(auth.time, "time", lambda: now - 3600)  # the clock set back: before iat
    verifier.verify(token)
    assert len(decoded) == 3


def test_a_refused_token_is_never_remembered_and_the_memory_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = TokenVerifier(secret="s" * 40, public_key=None, audience="asysta")
    forged = issue_token("f" * 40, subject="x", role=Role.HEAD)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            verifier.verify(forged)
    monkeypatch.setattr(auth, "REMEMBERED_TOKENS", 3)
    tokens = [issue_token("s" * 40, subject=f"u{i}", role=Role.HEAD) for i in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert [verifier.verify(t).subject for t in tokens] == [f"u{i}" for i in range(5)]
    assert len(verifier._verified) == 3


@pytest.mark.parametrize("secret", [None, DEVELOPMENT_JWT_SECRET, "short"])
def test_outside_development_a_real_secret_is_required(
    secret: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYSTA_ENV", "production")
    monkeypatch.setenv("ASYSTA_DATA_KEY", "d" * 40)
    if secret is None:
        monkeypatch.delenv("ASYSTA_JWT_SECRET", raising=False)
    else:
        monkeypatch.setenv("ASYSTA_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="ASYSTA_JWT_SECRET"):
        ServiceSettings()


def test_production_needs_a_data_key_and_refuses_a_shifted_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASYSTA_ENV", "production")
    monkeypatch.setenv("ASYSTA_JWT_SECRET", "j" * 40)
    monkeypatch.delenv("ASYSTA_DATA_KEY", raising=False)
    with pytest.raises(ValidationError, match="ASYSTA_DATA_KEY"):
        ServiceSettings()
    monkeypatch.setenv("ASYSTA_DATA_KEY", "d" * 40)
    assert ServiceSettings().environment == "production"
    monkeypatch.setenv("ASYSTA_CLOCK_SHIFT_DAYS", "3")
    with pytest.raises(ValidationError, match="CLOCK_SHIFT"):
        ServiceSettings()
