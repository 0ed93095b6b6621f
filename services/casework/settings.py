from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class CaseworkSettings(ServiceSettings):
    """CASEWORK_DATABASE_URL, CASEWORK_HOST, CASEWORK_PORT, plus the common settings."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.asysta/casework.db"
    port: int = 8002
