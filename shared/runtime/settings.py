"""Settings every service shares, read from the environment (documented in the README).

Each service subclasses `ServiceSettings` with its own env prefix (REFERRALS_, CASEWORK_, ...)
for its database URL, host and port; the rest is common to the suite and unprefixed.
"""

from __future__ import annotations

import socket
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.domain.clock import Clock, clock_for

DEVELOPMENT_JWT_SECRET = "asysta-development-only-secret-change-me"
DEVELOPMENT_DATA_KEY = "asysta-development-only-data-key-change-me"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="ASYSTA_ENV"
    )
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    stream_prefix: str = Field("asysta:", validation_alias="ASYSTA_STREAM_PREFIX")
    jwt_secret: SecretStr | None = Field(None, validation_alias="ASYSTA_JWT_SECRET")
    jwt_public_key: str | None = Field(None, validation_alias="ASYSTA_JWT_PUBLIC_KEY")
    jwt_audience: str = Field("asysta", validation_alias="ASYSTA_JWT_AUDIENCE")
    # The access token's claim holding an assistant's login, as linked in the directory
    # (e.g. preferred_username); the subject (`sub`) by default.
    jwt_login_claim: str = Field("sub", validation_alias="ASYSTA_JWT_LOGIN_CLAIM")
    log_level: str = Field("INFO", validation_alias="ASYSTA_LOG_LEVEL")
    log_json: bool | None = Field(None, validation_alias="ASYSTA_LOG_JSON")
    consumer_name: str | None = Field(None, validation_alias="ASYSTA_CONSUMER_NAME")
    # A second deployment of one consuming service (e.g. a reporting kept apart) reads the
    # streams under a group of its own.
    consumer_group: str | None = Field(None, validation_alias="ASYSTA_CONSUMER_GROUP")
    # Further deployments of a consuming service reading under groups of their own, as
    # "service:group,service:group": the relays wait for these groups too before trimming.
    extra_consumer_groups: str = Field("", validation_alias="ASYSTA_EXTRA_CONSUMER_GROUPS")
    # How often a relay drops the entries every group acknowledged.
    trim_interval_seconds: float = Field(30.0, validation_alias="ASYSTA_TRIM_INTERVAL_SECONDS")
    # At most this many messages a read (XREADGROUP COUNT): a read returns at once with what
    # is there, so a quiet stream's few events still go out one small batch at a time; a
    # backlog is applied in transactions of up to this many (fewer statements per event).
    consumer_batch_size: int = Field(1000, validation_alias="ASYSTA_CONSUMER_BATCH_SIZE")
    claim_idle_ms: int = Field(30_000, validation_alias="ASYSTA_CLAIM_IDLE_MS")
    # How long a read whose events the consumer only passes over may wait to be recorded with
    # the next reads, in one transaction (0: never; why 250: shared/messaging/consumer.py).
    consumer_defer_ms: int = Field(250, ge=0, validation_alias="ASYSTA_CONSUMER_DEFER_MS")
    # How long a read with events to apply may wait for the next reads, to share their
    # transaction (0: never; why 40: shared/messaging/consumer.py, LINGER_MS).
    consumer_linger_ms: int = Field(40, ge=0, validation_alias="ASYSTA_CONSUMER_LINGER_MS")
    # How long a woken relay waits for the commits behind the one that woke it (0: never; why
    # 20: shared/messaging/relay.py, LINGER_SECONDS).
    relay_linger_ms: int = Field(20, ge=0, le=200, validation_alias="ASYSTA_RELAY_LINGER_MS")
    max_deliveries: int = Field(5, validation_alias="ASYSTA_MAX_DELIVERIES")
    clock_shift_days: int = Field(0, validation_alias="ASYSTA_CLOCK_SHIFT_DAYS")
    data_key: SecretStr | None = Field(None, validation_alias="ASYSTA_DATA_KEY")
    # A worker's /metrics listener (an API serves /metrics on its own port); none if unset.
    metrics_port: int | None = Field(None, validation_alias="ASYSTA_METRICS_PORT")
    metrics_interval_seconds: float = Field(
        10.0, gt=0, validation_alias="ASYSTA_METRICS_INTERVAL_SECONDS"
    )
    # `api` mode: how many processes serve the API's port (shared/runtime/main.py).
    api_workers: int = Field(1, ge=1, le=64, validation_alias="ASYSTA_API_WORKERS")
    # Whether a service upgrades its own database at start (None: on SQLite or outside
    # production) or only checks it is at head and refuses to run otherwise.
    migrate_on_start: bool | None = Field(None, validation_alias="ASYSTA_MIGRATE_ON_START")
    # OpenTelemetry traces (shared/runtime/tracing.py), off by default: when off, the SDK is not
    # even imported. On: spans go to an OTLP/HTTP collector at the endpoint, as the service
    # named (asysta-<service> unless set), a share of new traces kept (1.0: all).
    tracing: bool = Field(False, validation_alias="ASYSTA_TRACING")
    tracing_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces", validation_alias="ASYSTA_TRACING_ENDPOINT"
    )
    tracing_service_name: str | None = Field(None, validation_alias="ASYSTA_TRACING_SERVICE_NAME")
    tracing_sample_ratio: float = Field(
        1.0, ge=0.0, le=1.0, validation_alias="ASYSTA_TRACING_SAMPLE_RATIO"
    )

    # Prefixed per service (REFERRALS_DATABASE_URL, ...); subclasses give the defaults.
    database_url: str = "sqlite+aiosqlite:///.asysta/service.db"
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _secret_outside_development(self) -> ServiceSettings:
        if self.environment == "production" and self.clock_shift_days:
            raise ValueError("ASYSTA_CLOCK_SHIFT_DAYS is for tests and training, not production")
        if self.environment == "production" and not self.data_key:
            raise ValueError("ASYSTA_DATA_KEY must be set to a random value in production")
        if self.environment == "development":
            return self
        if self.jwt_public_key:
            return self
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if not secret or secret == DEVELOPMENT_JWT_SECRET or len(secret) < 32:
            raise ValueError(
                "ASYSTA_JWT_SECRET must be set to a random value of at least 32 characters "
                "(or ASYSTA_JWT_PUBLIC_KEY for RS256) outside development"
            )
        return self

    def migrates_at_start(self) -> bool:
        """An embedded SQLite file (`make run`) and development upgrade at start; production on
        PostgreSQL leaves it to `asysta migrate`, run once before the new version starts."""
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.environment != "production" or self.database_url.startswith("sqlite")

    def master_key(self) -> bytes:
        """The deployment's master key: family keys are wrapped with a key derived from it,
        and identifier lookups are keyed with another."""
        if self.data_key is not None:
            return self.data_key.get_secret_value().encode()
        if self.environment == "production":
            raise ValueError("ASYSTA_DATA_KEY must be set in production")
        return DEVELOPMENT_DATA_KEY.encode()

    def lookup_key(self) -> bytes:
        """Key of the keyed digests of identifiers (PESEL lookups)."""
        from shared.eventstore.crypto import derive_key

        return derive_key(self.master_key(), "lookups")

    def clock(self) -> Clock:
        return clock_for(shift_days=self.clock_shift_days, environment=self.environment)

    def signing_secret(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return DEVELOPMENT_JWT_SECRET

    def stable_consumer_name(self, service: str) -> str:
        """A replica's name in its consumer group: stable across restarts, unique per replica.
        Set ASYSTA_CONSUMER_NAME when several replicas share a host."""
        return self.consumer_name or f"{service}-{socket.gethostname()}"
