from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """REFERRALS_DATABASE_URL, REFERRALS_HOST, REFERRALS_PORT, plus the common settings."""

    model_config = SettingsConfigDict(env_prefix="REFERRALS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.asysta/referrals.db"
    port: int = 8001
