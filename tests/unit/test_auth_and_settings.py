"""Tokens and the settings that guard them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from shared.runtime.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings
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
