from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.runtime.settings import ServiceSettings


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

    # Reminders: the daily digest by e-mail (REPORTING_SMTP_*, REPORTING_HEAD_EMAILS, ...).
    # Without an SMTP host the digest is logged (no personal data) instead of sent.
    smtp_host: str | None = Field(None, description="serwer SMTP; bez niego: tylko dziennik")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "Asysta <asysta@localhost>"
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    head_emails: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: kod TERC dzielnicy -> adres kierownika, np. {"1465068": "k@ops.pl"}',
    )
    assistant_emails: dict[str, str] = Field(
        default_factory=dict,
        description="JSON: id asystenta -> adres; dla asystentów bez adresu w katalogu",
    )
    digest_hour: int = Field(7, ge=0, le=23, description="godzina wysyłki (Europe/Warsaw)")
    digest_check_seconds: float = Field(300.0, gt=0)

    def feed_urls(self) -> dict[str, str]:
        return {
            "referrals": self.referrals_url,
            "casework": self.casework_url,
            "directory": self.directory_url,
        }
