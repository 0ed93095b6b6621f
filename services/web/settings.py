"""The web app's settings (prefix WEB_; the suite-wide ASYSTA_ENV, ASYSTA_JWT_* unprefixed)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.runtime.settings import DEVELOPMENT_JWT_SECRET

DEVELOPMENT_SESSION_SECRET = "asysta-web-development-only-session-secret"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="ASYSTA_ENV"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    # Where the four services answer (inside the deployment's network).
    referrals_url: str = "http://127.0.0.1:8001"
    casework_url: str = "http://127.0.0.1:8002"
    directory_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    request_timeout_seconds: float = 15.0
    # Encrypts and signs the session cookie (Fernet, key derived from it).
    session_secret: SecretStr | None = None
    session_hours: int = 10
    # Cookies marked Secure (HTTPS only); on by default outside development.
    secure_cookies: bool | None = None
    # The address people open, for the OIDC redirect (e.g. https://asysta.um.warszawa.pl).
    public_url: str | None = None
    # Demo districts offered on the development sign-in page (TERC codes).
    dev_districts: str = "1465068,1465058,1465188"
    # Which case files an assistant's device keeps for field work with no network: "all" their
    # active families, or only those they marked "do pracy w terenie" on the field-work page.
    offline_families: Literal["all", "marked"] = "all"

    # Development: the web app signs HS256 tokens with the suite's secret for the demo users.
    jwt_secret: SecretStr | None = Field(None, validation_alias="ASYSTA_JWT_SECRET")
    jwt_audience: str = Field("asysta", validation_alias="ASYSTA_JWT_AUDIENCE")

    # Production: OpenID Connect (authorization code + PKCE) against the city's provider.
    oidc_metadata_url: str | None = None  # …/.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid profile"
    oidc_subject_claim: str = "sub"
    oidc_role_claim: str = "asysta_role"
    oidc_districts_claim: str = "asysta_districts"
    oidc_name_claim: str = "name"
    # An assistant's login as the directory links it (set the services' ASYSTA_JWT_LOGIN_CLAIM
    # to the same claim of the access token); the subject claim when the token has none.
    oidc_login_claim: str = "preferred_username"

    @model_validator(mode="after")
    def _secrets_outside_development(self) -> WebSettings:
        if self.environment == "development":
            return self
        secret = self.session_secret.get_secret_value() if self.session_secret else ""
        if len(secret) < 32 or secret == DEVELOPMENT_SESSION_SECRET:
            raise ValueError(
                "WEB_SESSION_SECRET must be a random value of at least 32 characters "
                "outside development"
            )
        if self.environment == "production" and not (
            self.oidc_metadata_url and self.oidc_client_id
        ):
            raise ValueError(
                "WEB_OIDC_METADATA_URL and WEB_OIDC_CLIENT_ID are required in production"
            )
        return self

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_metadata_url and self.oidc_client_id)

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return not self.development

    def session_key(self) -> str:
        if self.session_secret is not None:
            return self.session_secret.get_secret_value()
        return DEVELOPMENT_SESSION_SECRET

    def signing_secret(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return DEVELOPMENT_JWT_SECRET

    def service_urls(self) -> dict[str, str]:
        return {
            "referrals": self.referrals_url,
            "casework": self.casework_url,
            "directory": self.directory_url,
            "reporting": self.reporting_url,
        }

    def demo_districts(self) -> list[str]:
        return [d.strip() for d in self.dev_districts.split(",") if d.strip()]
