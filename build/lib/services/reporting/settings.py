from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    """REPORTING_DATABASE_URL, REPORTING_HOST, REPORTING_PORT, the feeds to rebuild from, plus
    the common settings."""

    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.asysta/reporting.db"
    port: int = 8004
    referrals_url: str = Field("http://127.0.0.1:8001", validation_alias="REFERRALS_URL")
    casework_url: str = Field("http://127.0.0.1:8002", validation_alias="CASEWORK_URL")
    directory_url: str = Field("http://127.0.0.1:8003", validation_alias="DIRECTORY_URL")
    service_token: str | None = Field(
        None,
        validation_alias="REPORTING_SERVICE_TOKEN",
        description="bearer token with role 'service' for the event feeds; minted from "
        "ASYSTA_JWT_SECRET when not given",
    )

    def feed_urls(self) -> dict[str, str]:
        return {
            "referrals": self.referrals_url,
            "casework": self.casework_url,
            "directory": self.directory_url,
        }
